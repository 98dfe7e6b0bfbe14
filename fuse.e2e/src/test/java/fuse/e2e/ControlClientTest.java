package fuse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/fuse-osgi} against a live container: every command through the control socket (fuse.control), exit
 * statuses, one-line errors, and a peer of another uid refused ({@code SO_PEERCRED}).
 */
@Timeout(120)
class ControlClientTest {
    private static final String NOBODY = "65534";

    @TempDir
    static Path base;
    private static Container container;

    @BeforeAll
    static void start() throws Exception {
        container = Container.start(base, Container.INFO_ON_CONSOLE); // the control socket's INFO line
        container.awaitLine(line -> line.contains("control socket " + socket()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (container != null) {
            container.close();
        }
    }

    private static Path socket() {
        return container.home.resolve("runtime/control.sock");
    }

    private static Cli client(String... args) throws Exception {
        return Cli.run(container.home, Cli.bin("fuse-osgi", args));
    }

    @Test
    void theSocketIsTheOwnersOnly() throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket())));
    }

    @Test
    void everyCommandRunsAsAtTheConsole() throws Exception {
        Path mountpoint = Files.createDirectories(base.resolve("m2"));
        Path root = Files.createDirectories(base.resolve("s2"));
        Files.writeString(root.resolve("hello"), "hello\n");
        Files.writeString(container.source.resolve("other"), "other\n");

        Cli mounts = client("mounts");
        assertEquals(0, mounts.status(), mounts::toString);
        assertTrue(mounts.out().contains(container.mountpoint + " ") && mounts.out().contains("SERVING"),
                mounts::toString);
        Cli backends = client("backends");
        assertEquals(0, backends.status(), backends::toString);
        assertTrue(backends.out().contains("overlay"), backends::toString);

        Cli mount = client("mount", mountpoint.toString(), "local", "root=" + root);
        try {
            assertEquals(0, mount.status(), mount::toString);
            assertEquals("hello\n", Files.readString(mountpoint.resolve("hello")));
            Cli policy = client("policy", mountpoint.toString(), "rules", "*.log:java", "size>1M & read:passthrough");
            assertEquals(0, policy.status(), policy::toString);
            Cli shown = client("policy", mountpoint.toString());
            assertTrue(shown.out().contains("*.log:java") && shown.out().contains("size>1M & read:passthrough"),
                    "arguments arrive as given, unglobbed and unsplit:\n" + shown);
            Cli stats = client("stats", mountpoint.toString());
            assertEquals(0, stats.status(), stats::toString);
            assertTrue(stats.out().contains("requests"), stats::toString);
            Cli backing = client("backing", mountpoint.toString());
            assertEquals(0, backing.status(), backing::toString);
            Cli swap = client("swap", mountpoint.toString(), "local", "root=" + root, "policy=rules",
                    "rules=*.txt:java");
            assertEquals(0, swap.status(), swap::toString);
        } finally {
            Cli unmount = client("unmount", mountpoint.toString());
            assertEquals(0, unmount.status(), unmount::toString);
        }
        assertFalse(client("mounts").out().contains(mountpoint + " "));
    }

    @Test
    void failuresAreOneLineAndNonZero() throws Exception {
        for (Cli failed : List.of(client("unmount", base.resolve("nothing-here").toString()), client("mount"),
                client("policy", container.mountpoint.toString(), "sometimes"))) {
            assertEquals(ControlClientExit.FAILED, failed.status(), failed::toString);
            assertEquals("", failed.out(), failed::toString);
            assertEquals(1, failed.err().lines().count(), failed::toString);
            assertTrue(failed.err().startsWith("fuse:"), failed::toString);
            assertFalse(failed.err().contains("Exception"), failed::toString);
        }
        for (Cli usage : List.of(client(), client("lb"), client("bogus", "x"))) {
            assertEquals(ControlClientExit.USAGE, usage.status(), usage::toString);
            assertEquals(1, usage.err().lines().count(), usage::toString);
        }
        Cli unreachable = Cli.run(base.resolve("no-home"), Cli.bin("fuse-osgi", "mounts"));
        assertEquals(ControlClientExit.UNREACHABLE, unreachable.status(), unreachable::toString);
        assertEquals(1, unreachable.err().lines().count(), unreachable::toString);
    }

    @Test
    void aPeerOfAnotherUserIsRefused() throws Exception {
        // The mode keeps other users out before they connect; open it (and the test's private folders on the way)
        // to see the uid check itself refuse them.
        List<Path> folders = List.of(base, container.home, container.home.resolve("runtime"));
        for (Path folder : folders) {
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx--x--x"));
        }
        Files.setPosixFilePermissions(socket(), PosixFilePermissions.fromString("rw-rw-rw-"));
        try {
            // The client's jar and JDK must be readable by nobody: they are under the project and /usr/lib/jvm.
            List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
                    "--clear-groups"));
            command.addAll(Cli.bin("fuse-osgi", "mounts"));
            Cli refused = Cli.run(container.home, command);
            assertEquals(ControlClientExit.FAILED, refused.status(), refused::toString);
            assertTrue(refused.err().startsWith("refused: the control socket serves only user root"),
                    refused::toString);
            assertEquals("", refused.out(), refused::toString);
            container.awaitLine(line -> line.contains("refused a connection from user"));
        } finally {
            Files.setPosixFilePermissions(socket(), PosixFilePermissions.fromString("rw-------"));
            for (Path folder : folders) {
                Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx------"));
            }
        }
    }

    /** bin/fuse-osgi's exit statuses. */
    static final class ControlClientExit {
        static final int FAILED = 1;
        static final int USAGE = 2;
        static final int UNREACHABLE = 3;
    }
}
