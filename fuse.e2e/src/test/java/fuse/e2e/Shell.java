package fuse.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Gogo {@code fuse:*} commands as the tests use them, on top of a {@link Container}'s console. */
final class Shell {
    private final Container container;

    Shell(Container container) {
        this.container = container;
    }

    String run(String command) throws Exception {
        return container.command(command);
    }

    /** The {@code fuse:mounts} line of {@code mountpoint}, if listed. */
    Optional<String> mountLine(Path mountpoint) throws Exception {
        String prefix = mountpoint.toString() + " ";
        return run("fuse:mounts").lines().map(line -> line.startsWith("g! ") ? line.substring(3) : line)
                .filter(line -> line.startsWith(prefix)).findFirst();
    }

    /** Waits until {@code fuse:mounts} lists {@code mountpoint} as SERVING. */
    String awaitServing(Path mountpoint, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Optional<String> line = Optional.empty();
        while (System.nanoTime() < deadline) {
            line = mountLine(mountpoint);
            if (line.isPresent() && line.get().contains(" SERVING ")) {
                return line.get();
            }
            Thread.sleep(200);
        }
        throw new AssertionError(mountpoint + " not SERVING within " + timeout + "; last line: " + line.orElse("none")
                + "\n" + run("fuse:mounts"));
    }

    /** Waits until {@code fuse:mounts} no longer lists {@code mountpoint}. */
    void awaitGone(Path mountpoint, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (mountLine(mountpoint).isEmpty()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(mountpoint + " still listed after " + timeout + ":\n" + run("fuse:mounts"));
    }

    /** Waits until {@code command} prints something {@code expected} is in. */
    String awaitOutput(String command, String expected, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String out = "";
        while (System.nanoTime() < deadline) {
            out = run(command);
            if (out.contains(expected)) {
                return out;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("'" + command + "' never printed '" + expected + "'; last:\n" + out);
    }
}
