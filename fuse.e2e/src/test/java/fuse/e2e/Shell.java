package fuse.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import fuse.testkit.Wait;

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
    String awaitServing(Path mountpoint, Duration timeout) {
        String[] line = {"none"};
        Wait.until(timeout, () -> mountpoint + " SERVING; last line: " + line[0], () -> {
            line[0] = mountLine(mountpoint).orElse("none");
            return line[0].contains(" SERVING ");
        });
        return line[0];
    }

    /** Waits until {@code fuse:mounts} no longer lists {@code mountpoint}. */
    void awaitGone(Path mountpoint, Duration timeout) {
        Wait.until(timeout, mountpoint + " to leave fuse:mounts", () -> mountLine(mountpoint).isEmpty());
    }

    /** Waits until {@code command} prints something {@code expected} is in. */
    String awaitOutput(String command, String expected, Duration timeout) {
        String[] out = {""};
        Wait.until(timeout, () -> "'" + command + "' to print '" + expected + "'; last:\n" + out[0], () -> {
            out[0] = run(command);
            return out[0].contains(expected);
        });
        return out[0];
    }
}
