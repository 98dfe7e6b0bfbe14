package fuse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container's life with mounts in it: a restart brings the saved mounts back, SIGTERM and {@code stop 0} leave
 * nothing mounted and lose no acknowledged write, and after a kill -9 the next start clears the dead mounts and
 * the temporary files the killed JVM left, and mounts again.
 */
@Timeout(240)
class LifecycleTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path base;

    /** A started container with its default mount up; one that does not get there is stopped, not leaked. */
    private static Container started(Path base) throws Exception {
        Container container = Container.start(base);
        try {
            container.awaitLine(line -> line.contains("Welcome to Apache Felix Gogo"));
            new Shell(container).awaitServing(container.mountpoint, WAIT);
            return container;
        } catch (Throwable e) {
            container.close();
            throw e;
        }
    }

    /** A second mount, made with fuse:mount, over {@code data} (with one file). */
    private Path mountExtra(Shell shell) throws Exception {
        Path mountpoint = Files.createDirectories(base.resolve("extra"));
        Path data = Files.createDirectories(base.resolve("extra-data"));
        Files.writeString(data.resolve("kept.txt"), "kept across restarts");
        String out = shell.run("fuse:mount " + mountpoint + " local root=" + data + " policy=never");
        assertTrue(out.contains("mounted " + mountpoint), out);
        return mountpoint;
    }

    @Test
    void stopAndStartAgainBringsTheMountsBack() throws Exception {
        Path extra;
        try (Container first = started(base)) {
            Shell shell = new Shell(first);
            extra = mountExtra(shell);
            first.send("stop 0");
            first.awaitExit(WAIT);
            assertTrue(Io.mountsUnder(base).isEmpty(), () -> "left mounted after stop 0: " + mountsUnder());
        }
        try (Container second = started(base)) {
            Shell shell = new Shell(second);
            String line = shell.awaitServing(extra, WAIT);
            assertTrue(line.contains("local"), line);
            assertEquals("kept across restarts", Io.read(extra.resolve("kept.txt")));
            assertTrue(shell.run("fuse:policy " + extra).contains("policy never"), "settings were not kept");
            assertEquals(1, Io.mountsAt(extra).size());
        }
    }

    @Test
    void sigtermUnmountsEverythingAndKeepsAcknowledgedWrites() throws Exception {
        try (Container container = started(base)) {
            Shell shell = new Shell(container);
            Path extra = mountExtra(shell);
            Io.write(extra.resolve("written.txt"), "acknowledged");
            Io.write(container.mountpoint.resolve("passthrough.txt"), "acknowledged too");
            container.process().destroy();
            int exit = container.awaitExit(WAIT);
            assertTrue(exit == 0 || exit == 117 || exit == 143, "exit code " + exit);
            assertTrue(Io.mountsUnder(base).isEmpty(), () -> "left mounted after SIGTERM: " + mountsUnder());
            assertEquals("acknowledged", Files.readString(base.resolve("extra-data/written.txt")));
            assertEquals("acknowledged too", Files.readString(container.source.resolve("passthrough.txt")));
        }
    }

    @Test
    void afterKillNineTheNextStartClearsTheDeadMountsAndMountsAgain() throws Exception {
        try {
            Path extra;
            Container first = started(base);
            Path firstTemp = first.home.resolve("runtime/tmp/" + first.process().pid());
            try {
                extra = mountExtra(new Shell(first));
            } finally {
                first.process().destroyForcibly();
                first.awaitExit(WAIT);
            }
            // The launcher's copies of its class-path jars went to the home's temporary directory, not /tmp
            try (var left = Files.list(firstTemp)) {
                assertTrue(left.anyMatch(file -> file.getFileName().toString().endsWith(".jar")),
                        "the killed container's temporary jars in " + firstTemp);
            }
            assertEquals("stat: cannot statx '" + extra + "': Transport endpoint is not connected",
                    Io.statError(extra));
            assertEquals(1, Io.mountsAt(first.mountpoint).size(), "the dead default mount");

            try (Container second = started(base)) {
                Shell shell = new Shell(second);
                shell.awaitServing(extra, WAIT);
                assertEquals("kept across restarts", Io.read(extra.resolve("kept.txt")));
                assertEquals(1, Io.mountsAt(extra).size(), () -> "stale mounts stacked: " + mountsUnder());
                assertEquals(1, Io.mountsAt(second.mountpoint).size(), () -> "stale mounts stacked: "
                        + mountsUnder());
                assertEquals("ok", Io.statError(second.mountpoint));
                assertFalse(Files.exists(firstTemp), "what the killed container left in " + firstTemp);
            }
        } finally {
            Container.cleanupMounts(base);
        }
    }

    private String mountsUnder() {
        try {
            return String.join("\n", Io.mountsUnder(base));
        } catch (Exception e) {
            return e.toString();
        }
    }
}
