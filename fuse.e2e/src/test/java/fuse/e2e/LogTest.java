package fuse.e2e;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import fuse.testkit.Wait;

/**
 * The container's log (fuse.dist/logback.xml): the file rotates by size and keeps a bounded number of old files;
 * {@code log:level} changes a logger's level while the container runs; the console shows WARN and above only.
 */
@Timeout(120)
class LogTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path base;

    @Test
    void theLogFileRotatesBySizeAndLevelsChangeAtRunTime() throws Exception {
        try (Container container = Container.start(base, "FUSE_JAVA_OPTS=-Dfuse.log.size=4KB -Dfuse.log.files=2")) {
            container.awaitLine(line -> line.contains("Welcome to Apache Felix Gogo"));
            Shell shell = new Shell(container);
            shell.awaitServing(container.mountpoint, WAIT);
            Path log = container.home.resolve("runtime/log");
            String swap = "fuse:swap " + container.mountpoint + " local";

            // Binding logs "closed the file system of backend ..." at DEBUG, once per swap.
            shell.run(swap);
            assertFalse(Files.readString(log.resolve("fuse.log")).contains("closed the file system"), "INFO by default");
            assertTrue(shell.run("log:level fuse.mount DEBUG").contains("fuse.mount DEBUG"));
            assertTrue(shell.run("log:level fuse.mount.internal.Binding").contains("DEBUG (inherited)"));
            shell.run(swap);
            Wait.until(WAIT, "DEBUG after log:level",
                    () -> Files.readString(log.resolve("fuse.log")).contains("closed the file system"));
            assertFalse(container.outputSoFar().contains("closed the file system"), "the console shows WARN and above");
            assertTrue(shell.run("log:level fuse.mount nonsense").contains("not a level: 'nonsense'"));

            // Swaps log a few lines each: past 4 KB the file moves to fuse.log.1, then .2; never a .3 (files=2).
            // Paced: logback looks at the size once a second (checkIncrement), so the pace of the swaps, not a
            // condition, is what keeps a rotated file near the size; a sleep is the tool here.
            for (int i = 0; i < 200 && !Files.exists(log.resolve("fuse.log.2")); i++) {
                shell.run(swap);
                Thread.sleep(100);
            }
            assertTrue(Files.exists(log.resolve("fuse.log.2")), "no rotation");
            for (int i = 0; i < 20; i++) {
                shell.run(swap);
            }
            assertFalse(Files.exists(log.resolve("fuse.log.3")), "more old files than fuse.log.files");
            assertTrue(Files.size(log.resolve("fuse.log.1")) < 16 * 1024, "rotated near the size");
            shell.run("log:level fuse.mount default");
            assertTrue(shell.run("log:level fuse.mount").contains("INFO (inherited)"));
        }
    }
}
