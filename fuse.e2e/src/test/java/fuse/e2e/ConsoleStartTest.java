package fuse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console starts once the mounts configured at start are up (fuse.container ConsoleStart), and a mount that
 * fails does not hold it back.
 */
@Timeout(120)
class ConsoleStartTest {
    @TempDir
    Path base;

    @Test
    void theConsoleStartsAfterTheDefaultMountAnswered() throws Exception {
        try (Container container = Container.start(base.resolve("first"))) {
            container.awaitLine(line -> line.contains("Welcome to Apache Felix Gogo"));
            // The console shows the start line; the INIT line (INFO) is in the log file only, in the order written.
            container.awaitLine(line -> line.contains("starting the console"));
            String file = Files.readString(container.home.resolve("runtime/log/fuse.log"));
            List<String> log = file.lines()
                    .filter(line -> line.contains("negotiated") || line.contains("starting the console")).toList();
            assertEquals(2, log.size(), () -> "expected INIT, then the console:\n" + file);
            assertTrue(log.get(0).contains("mount " + container.mountpoint + ": FUSE 7."), log.get(0));
            assertTrue(log.get(1).contains("mounts up (fuse.mount-default.cfg): starting the console"),
                    log.get(1));
        }
    }

    @Test
    void aFailingMountDoesNotHoldTheConsoleBack() throws Exception {
        Path home = Files.createDirectories(base.resolve("failing/home"));
        Path load = Files.createDirectories(home.resolve("load"));
        // The console would wait a minute for a mount that is not up; FAILED counts as up (its reason is logged).
        write(load.resolve("fuse.container.console.cfg"), "mount_wait=60\n");
        write(load.resolve("fuse.mount-broken.cfg"),
                "mountpoint=" + base.resolve("failing/no-such-dir") + "\nbackend=local\nroot=" + base + "\n");
        try (Container container = Container.start(base.resolve("failing"))) {
            container.awaitLine(line -> line.contains("Welcome to Apache Felix Gogo")); // gives up after 20 s
            String mounts = container.command("fuse:mounts");
            assertTrue(mounts.contains("FAILED") && mounts.contains("SERVING"), mounts);
        }
    }

    private static void write(Path file, String text) throws Exception {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }
}
