package fuse.channel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import fuse.channel.ChannelTransport;
import fuse.channel.FuseSession;
import fuse.channel.InitResult;
import fuse.channel.MemoryFs;
import fuse.channel.MountFixture;

/**
 * FUSE over io_uring specifics: selection, one queue thread per CPU, and teardown. The other kernel suites run on
 * io_uring too (the build's surefire execution "uring"); these check what only io_uring has: the queue threads
 * blocked in io_uring_enter wake up on abort and unmount, within a deadline, and every ring is closed.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class UringTransportTest {
    private static final Duration DEADLINE = Duration.ofSeconds(5);

    @RegisterExtension
    final MountFixture fixture = new MountFixture();

    @Test
    void requestsAreServedByOneQueueThreadPerCpu() throws Exception {
        FuseSession session = mountOnUring();
        assertEquals(ChannelTransport.URING, session.transport());
        assertTrue(session.init().orElseThrow().has(InitResult.OVER_IO_URING));
        assertEquals(ChannelTransport.URING, session.init().orElseThrow().transport());
        int queues = UringRings.possibleCpus();
        assertEquals(1 + queues, session.requestsPerThread().length, "one /dev/fuse reader, one thread per queue");
        long[] before = session.requestsPerThread();
        Path mnt = session.mountpoint();
        for (int i = 0; i < 50; i++) {
            Files.writeString(mnt.resolve("f" + i), "content " + i);
            assertEquals("content " + i, Files.readString(mnt.resolve("f" + i)));
        }
        long[] after = session.requestsPerThread();
        long onQueues = 0;
        for (int q = 1; q < after.length; q++) {
            onQueues += after[q] - before[q];
        }
        assertTrue(onQueues >= 150, "create, write, read of 50 files on the queues: " + Arrays.toString(after));
        assertEquals(queues, ringDescriptors() - ringsBefore, "one io_uring per queue");
    }

    @Test
    void abortWakesEveryQueueThreadAndClosesTheRings() throws Exception {
        FuseSession session = mountOnUring();
        assertEquals("x", Files.readString(session.mountpoint().resolve("x")));

        assertTrue(LeftoverMounts.abort(session.connectionId()));
        assertTrue(session.awaitTermination(DEADLINE), "every queue thread left io_uring_enter");
        assertEquals(List.of(), threadsOf(session));
        assertEquals(ringsBefore, ringDescriptors(), "every ring closed");
        assertFalse(LeftoverMounts.isFuseMounted(session.mountpoint()), "the aborted mount was taken away");
    }

    @Test
    void unmountFromOutsideEndsTheSession() throws Exception {
        FuseSession session = mountOnUring();
        assertEquals("x", Files.readString(session.mountpoint().resolve("x")));

        Process umount = new ProcessBuilder("umount", session.mountpoint().toString()).inheritIO().start();
        assertTrue(umount.waitFor(10, TimeUnit.SECONDS) && umount.exitValue() == 0, "umount");
        assertTrue(session.awaitTermination(DEADLINE), "every queue thread left io_uring_enter");
        assertEquals(List.of(), threadsOf(session));
        assertEquals(ringsBefore, ringDescriptors(), "every ring closed");
    }

    @Test
    void closeUnmountsAndReleasesEverything() throws Exception {
        FuseSession session = mountOnUring();
        assertEquals("x", Files.readString(session.mountpoint().resolve("x")));

        session.close();
        assertTrue(session.awaitTermination(DEADLINE));
        assertEquals(List.of(), threadsOf(session));
        assertEquals(ringsBefore, ringDescriptors(), "every ring closed");
        assertFalse(LeftoverMounts.isFuseMounted(session.mountpoint()));
    }

    @Test
    void uringWhenUnavailableFailsNamingTheReasonAndAutoFallsBack() throws Exception {
        Path parameter = Files.createTempFile("enable_uring", "");
        try {
            Files.writeString(parameter, "N\n");
            String reason = UringRings.unavailableReason(parameter).orElseThrow();
            assertTrue(reason.contains("enable_uring is off") && reason.contains("echo Y > " + parameter), reason);
            IOException failure = assertThrows(IOException.class,
                    () -> UringRings.open(ChannelTransport.URING, Path.of("/mnt/x"), Optional.of(reason)));
            assertEquals("transport=uring at /mnt/x: FUSE over io_uring is not available: " + reason,
                    failure.getMessage());
            assertEquals(Optional.empty(), UringRings.open(ChannelTransport.AUTO, Path.of("/mnt/x"),
                    Optional.of(reason)));
            Files.writeString(parameter, "Y\n");
            assertEquals(Optional.empty(), UringRings.unavailableReason(parameter));
        } finally {
            Files.delete(parameter);
        }
        assertTrue(UringRings.unavailableReason(Path.of("/nonexistent/enable_uring")).orElseThrow()
                .contains("no FUSE over io_uring"));
    }

    @Test
    void possibleCpusCountsEveryRange() {
        assertEquals(1, UringRings.countCpus("0\n"));
        assertEquals(2, UringRings.countCpus("0-1\n"));
        assertEquals(8, UringRings.countCpus("0-3,8-11"));
    }

    private long ringsBefore;

    private FuseSession mountOnUring() throws Exception {
        ringsBefore = ringDescriptors();
        MemoryFs fs = new MemoryFs();
        fs.addFile(fs.root, "x", "x".getBytes(StandardCharsets.UTF_8));
        return fixture.mount(fs, o -> o.withTransport(ChannelTransport.URING));
    }

    private static List<String> threadsOf(FuseSession session) {
        return MountFixture.threadsOf(session);
    }

    private static long ringDescriptors() throws IOException {
        return MountFixture.openDescriptors("anon_inode:[io_uring]");
    }
}
