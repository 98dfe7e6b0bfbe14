package fuse.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The safety of a real-kernel test mount, because a hung FUSE mount can freeze the machine: a deadline after which
 * the connection is aborted ({@link #watchdog}), file system calls on a thread the test can abandon
 * ({@link #io}), commands with a time limit ({@link #run}), and the cleanup that never blocks on the mount (abort
 * through fusectl, lazy unmount). A fixture that owns a mount (fuse.mount's {@code TestMount}) builds on these.
 */
public final class KernelMounts {
    private static final Path CONNECTIONS = Path.of("/sys/fs/fuse/connections");

    private KernelMounts() {
    }

    /**
     * Starts a daemon thread that runs {@code abort} once {@code deadline} has passed, unless interrupted first
     * (the fixture interrupts it when it closes in time).
     */
    public static Thread watchdog(Path mountpoint, Duration deadline, Runnable abort) {
        return Thread.ofPlatform().daemon().name("test-mount-watchdog " + mountpoint).start(() -> {
            try {
                Thread.sleep(deadline);
                System.err.println("test mount: deadline of " + deadline + " passed for " + mountpoint
                        + ": aborting the connection");
                abort.run();
            } catch (InterruptedException e) {
                // closed in time
            }
        });
    }

    /**
     * Runs {@code call} on a fresh daemon thread, at most {@code timeout}. On timeout {@code abort} runs (so the
     * thread gets ENOTCONN instead of hanging), the thread is abandoned and the test fails.
     */
    public static <T> T io(Duration timeout, String where, Runnable abort, Callable<T> call) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("test-io " + where).start(() -> {
            try {
                result.complete(call.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            abort.run();
            throw new AssertionError("file system call on " + where + " did not finish within " + timeout);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw new AssertionError(e.getCause());
        }
    }

    /**
     * Runs a command (e.g. {@code sha256sum}, or a writer under {@code setpriv}) at most {@code timeout}, then
     * {@code abort} and fail; fails on a non-zero exit. Its standard output and error.
     */
    public static String run(Duration timeout, Runnable abort, String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            abort.run();
            throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout);
        }
        String text = output.get(5, TimeUnit.SECONDS);
        if (process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited with " + process.exitValue() + ": "
                    + text);
        }
        return text;
    }

    /** Aborts the connection and detaches the mountpoint. Never blocks on the mount. */
    public static void forceUnmount(long connection, Path mountpoint) {
        abortConnection(connection);
        lazyUnmount(mountpoint);
    }

    /** Writes to the connection's {@code abort} file, mounting fusectl first where it is missing. */
    public static void abortConnection(long connection) {
        if (connection < 0) {
            return;
        }
        try {
            if (!Files.exists(CONNECTIONS.resolve("" + connection))) {
                new ProcessBuilder("mount", "-t", "fusectl", "none", CONNECTIONS.toString()).start()
                        .waitFor(5, TimeUnit.SECONDS);
            }
            Path abort = CONNECTIONS.resolve(connection + "/abort");
            if (Files.exists(abort)) {
                Files.writeString(abort, "1");
            }
        } catch (IOException e) {
            System.err.println("test mount: aborting connection " + connection + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code umount -l}, bounded. */
    public static void lazyUnmount(Path mountpoint) {
        try {
            new ProcessBuilder("umount", "-l", mountpoint.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            System.err.println("test mount: umount -l " + mountpoint + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether {@code mountpoint} appears in {@code /proc/mounts} (read without touching the mount). */
    public static boolean isMounted(Path mountpoint) throws IOException {
        String target = mountpoint.toString().replace(" ", "\\040");
        List<String> lines = Files.readAllLines(Path.of("/proc/mounts"));
        return lines.stream().map(line -> line.split(" ")).anyMatch(f -> f.length > 2 && f[1].equals(target));
    }
}
