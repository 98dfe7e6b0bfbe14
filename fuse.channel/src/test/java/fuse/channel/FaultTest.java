package fuse.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import fuse.api.Errno;
import fuse.channel.internal.LeftoverMounts;
import fuse.testkit.Wait;

/** A crashed server, an aborted connection, close() under load, and INTERRUPT. */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FaultTest {
    @RegisterExtension
    final MountFixture fixture = new MountFixture();

    @Test
    void aKilledServerLeavesEnotconnAndTheNextMountCleansItUp() throws Exception {
        Path mnt = fixture.mountpoint();
        Path log = Files.createTempFile("fuse-server-main", ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process server = fixture.track(new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                "-Dfuse.test.transport=" + MountFixture.transport().key(), "-cp",
                System.getProperty("java.class.path"), ServerMain.class.getName(), mnt.toString())
                .redirectError(Redirect.to(log.toFile())).start());
        String ready = Io.within(Duration.ofSeconds(30), "server start", () -> new BufferedReader(
                new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8)).readLine());
        assertTrue(ready != null && ready.startsWith("READY "), () -> "server said " + ready + "; log:\n" + log(log));
        assertEquals("pid " + server.pid(), Io.within("read", () -> Files.readString(mnt.resolve("served-by"))));

        server.destroyForcibly();
        assertTrue(server.waitFor(10, TimeUnit.SECONDS));
        String stale = Shell.python("import errno,os,sys\ntry:\n  os.stat(sys.argv[1])\n  print('alive')\n"
                + "except OSError as e:\n  print(errno.errorcode[e.errno])", mnt.toString()).orFail().out().trim();
        assertEquals("ENOTCONN", stale);
        assertTrue(LeftoverMounts.isFuseMounted(mnt), "the dead mount is still there");

        MemoryFs fs = new MemoryFs();
        fs.addFile(fs.root, "second", "fresh".getBytes(StandardCharsets.UTF_8));
        FuseSession session = fixture.mountAt(mnt, fs, o -> o);
        assertEquals("fresh", Io.within("read the new mount", () -> Files.readString(mnt.resolve("second"))));
        long fuseMounts = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.split(" ")[4].equals(mnt.toString())).count();
        assertEquals(1, fuseMounts, "the stale mount was removed, not covered");
        session.close();
        Files.deleteIfExists(log);
    }

    @Test
    void abortingTheConnectionMidRequestEndsTheSessionWithoutAHang() throws Exception {
        MemoryFs fs = new MemoryFs();
        fs.directIo = true;
        fs.addFile(fs.root, "slow", new byte[4096]);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Boolean> replyTaken = new AtomicReference<>();
        fs.interceptor = (request, reply) -> {
            if (!(request instanceof Request.Read)) {
                return false;
            }
            entered.countDown();
            await(release);
            replyTaken.set(reply.error(Errno.EIO));
            return true;
        };
        FuseSession session = fixture.mount(fs);
        Path mnt = session.mountpoint();
        CompletableFuture<byte[]> client = Io.start("read slow", () -> Files.readAllBytes(mnt.resolve("slow")));
        assertTrue(entered.await(10, TimeUnit.SECONDS), "the read reached the handler");

        assertTrue(LeftoverMounts.abort(session.connectionId()));
        ExecutionException failed = assertThrows(ExecutionException.class, () -> client.get(5, TimeUnit.SECONDS),
                "the client is released by the abort, not by the server");
        assertTrue(failed.getCause() instanceof java.io.IOException, failed.getCause().toString());
        Wait.until(Duration.ofSeconds(5), "the idle reader to see ENODEV", () -> !session.isAlive());
        assertFalse(session.awaitTermination(Duration.ofMillis(200)), "one reader is still in the handler");

        release.countDown();
        assertTrue(session.awaitTermination(Duration.ofSeconds(5)));
        // On io_uring a reply counts as taken once its commit is queued: the kernel reports a refusal only in the
        // entry's next completion (and refuses only after an abort, which ends the session anyway).
        assertEquals(MountFixture.transport() == ChannelTransport.URING, replyTaken.get(),
                "the reply to an aborted request is not taken");
        assertEquals(1, fs.destroyedCalls());
        assertFalse(LeftoverMounts.isFuseMounted(mnt), "the aborted mount was taken away");
        assertEquals(List.of(), MountFixture.threadsOf(session));
    }

    @Test
    void closeWhileRequestsAreInFlightFinishesWithinItsDeadline() throws Exception {
        MemoryFs fs = new MemoryFs();
        fs.directIo = true;
        fs.addFile(fs.root, "slow", new byte[4096]);
        CountDownLatch entered = new CountDownLatch(2);
        CountDownLatch never = new CountDownLatch(1);
        fs.interceptor = (request, reply) -> {
            if (request instanceof Request.Read) {
                entered.countDown();
                try {
                    never.await(4, TimeUnit.SECONDS); // a backend stuck far beyond the close grace
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return false;
        };
        FuseSession session = fixture.mount(fs);
        Path mnt = session.mountpoint();
        List<CompletableFuture<byte[]>> clients = List.of(
                Io.start("read 1", () -> Files.readAllBytes(mnt.resolve("slow"))),
                Io.start("read 2", () -> Files.readAllBytes(mnt.resolve("slow"))));
        assertTrue(entered.await(10, TimeUnit.SECONDS), "both readers busy");

        long start = System.nanoTime();
        session.close();
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 10_000, "close took " + millis + " ms");
        for (CompletableFuture<byte[]> client : clients) {
            try {
                client.get(5, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                // Failing is fine (the connection was aborted); hanging is not.
            }
        }
        assertTrue(session.awaitTermination(Duration.ofSeconds(5)));
        assertFalse(LeftoverMounts.isFuseMounted(mnt));
        assertEquals(1, fs.destroyedCalls());
    }

    @Test
    void anInterruptedRequestSeesItsInterruptFlag() throws Exception {
        MemoryFs fs = new MemoryFs();
        AtomicBoolean sawInterrupt = new AtomicBoolean();
        fs.interceptor = (request, reply) -> {
            if (!(request instanceof Request.Lookup lookup) || !lookup.name().equals("slow")) {
                return false;
            }
            try {
                Wait.until(Duration.ofSeconds(10), "the kernel's INTERRUPT", () -> request.header().interrupted());
                sawInterrupt.set(true);
            } catch (AssertionError notInterrupted) {
                // reported by the assertion on sawInterrupt; the reply below still ends the caller's wait
            }
            reply.error(Errno.EINTR);
            return true;
        };
        FuseSession session = fixture.mount(fs);
        String script = """
                import os, signal, sys
                def alarm(signum, frame):
                    raise TimeoutError()
                signal.signal(signal.SIGALRM, alarm)
                signal.setitimer(signal.ITIMER_REAL, 0.3)
                try:
                    os.stat(sys.argv[1] + '/slow')
                    print('not interrupted')
                except TimeoutError:
                    print('interrupted')
                except OSError as e:
                    print('error', e.errno)
                """;
        assertEquals("interrupted", Shell.python(script, session.mountpoint().toString()).orFail().out().trim());
        assertTrue(sawInterrupt.get(), "the handler saw RequestHeader.interrupted()");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String log(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
