package fuse.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import fuse.testkit.KernelMounts;

/**
 * File system access to a FUSE mount from the test: every call runs on a daemon thread of its own and is given up
 * after a deadline, so that a stuck mount fails the test instead of hanging it.
 */
final class Io {
    private static final Duration DEFAULT = Duration.ofSeconds(15);

    private Io() {
    }

    static <T> T call(Callable<T> action) throws Exception {
        return call(action, DEFAULT);
    }

    /** A call still blocked after {@code timeout} fails the test (the container's own cleanup ends its mounts). */
    static <T> T call(Callable<T> action, Duration timeout) throws Exception {
        return KernelMounts.io(timeout, "a mount of the container (stuck?)", () -> { }, action);
    }

    static String read(Path file) throws Exception {
        return call(() -> Files.readString(file));
    }

    static void write(Path file, String text) throws Exception {
        call(() -> Files.writeString(file, text));
    }

    /** The FUSE mounts the kernel lists at {@code mountpoint} (0 or 1 normally). */
    static List<String> mountsAt(Path mountpoint) throws IOException {
        String target = " " + mountpoint.toAbsolutePath() + " ";
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .filter(line -> line.contains(target) && line.split(" ")[2].startsWith("fuse")).toList();
    }

    /** The FUSE mounts under {@code base}. */
    static List<String> mountsUnder(Path base) throws IOException {
        String prefix = " " + base.toAbsolutePath() + "/";
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .filter(line -> line.contains(prefix) && line.split(" ")[2].startsWith("fuse")).toList();
    }

    /** What {@code stat} says about {@code path}: "ok", or the error text (e.g. Transport endpoint is not connected). */
    static String statError(Path path) throws Exception {
        Process stat = new ProcessBuilder("stat", "-c", "%F", path.toString()).redirectErrorStream(true).start();
        if (!stat.waitFor(10, TimeUnit.SECONDS)) {
            stat.destroyForcibly();
            return "stat timed out";
        }
        String out = new String(stat.getInputStream().readAllBytes()).trim();
        return stat.exitValue() == 0 ? "ok" : out;
    }
}
