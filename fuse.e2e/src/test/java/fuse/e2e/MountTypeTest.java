package fuse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import fuse.testkit.Wait;

/**
 * {@code mount -t fuse.osgi}, an fstab line ({@code mount -a -T}) and {@code umount}, through the helper
 * bin/install-system links into /sbin, against a live container. The helper is linked for the test and the
 * previous link (another checkout's) put back after it.
 */
@Timeout(120)
class MountTypeTest {
    private static final List<String> HELPERS = List.of("mount.fuse.osgi");

    @TempDir
    static Path base;
    private static Container container;
    private static final java.util.Map<Path, Optional<Path>> previousLinks = new java.util.HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        for (String helper : HELPERS) {
            Path link = Path.of("/sbin", helper);
            previousLinks.put(link, Files.isSymbolicLink(link) ? Optional.of(Files.readSymbolicLink(link))
                    : Optional.empty());
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, Container.PROJECT.resolve("bin").resolve(helper));
        }
        container = Container.start(base, Container.INFO_ON_CONSOLE); // the control socket's INFO line
        container.awaitLine(line -> line.contains("control socket "));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (container != null) {
                container.close();
            }
        } finally {
            for (var previous : previousLinks.entrySet()) {
                Files.deleteIfExists(previous.getKey());
                if (previous.getValue().isPresent()) {
                    Files.createSymbolicLink(previous.getKey(), previous.getValue().get());
                }
            }
        }
    }

    private static Cli command(String... command) throws Exception {
        return Cli.run(container.home, List.of(command));
    }

    @Test
    void mountTypeFuseOsgiAndUmount() throws Exception {
        Path source = Files.createDirectories(base.resolve("src1"));
        Path mountpoint = Files.createDirectories(base.resolve("mnt1"));
        Files.writeString(source.resolve("file"), "content\n");

        for (int round = 1; round <= 2; round++) { // after umount, mount(8) mounts it afresh
            Cli mount = command("mount", "-t", "fuse.osgi", source.toString(), mountpoint.toString(), "-o",
                    "backend=local,ro,default_permissions,entry_timeout=0.5,max_read=65536");
            assertEquals(0, mount.status(), mount::toString);
            try {
                String line = mountsLine(mountpoint).orElseThrow(() -> new AssertionError("not mounted: " + mount));
                assertTrue(line.startsWith(source + " " + mountpoint + " fuse.osgi ro,"), line);
                assertTrue(line.contains(",max_read=65536"), "max_read reaches the kernel: " + line);
                assertEquals("content\n", Files.readString(mountpoint.resolve("file")));
                assertThrows(IOException.class, () -> Files.writeString(mountpoint.resolve("new"), "x"));
                assertTrue(listed().contains(mountpoint + " "));
            } finally {
                Cli umount = command("umount", mountpoint.toString());
                assertEquals(0, umount.status(), umount::toString);
            }
            assertTrue(mountsLine(mountpoint).isEmpty());
            awaitForgotten(mountpoint, round);
        }
    }

    @Test
    void anUnknownOptionIsOneLineAndNonZero() throws Exception {
        Path mountpoint = Files.createDirectories(base.resolve("mnt2"));
        for (var refused : java.util.Map.of("ro,colour=blue", "unknown option 'colour'",
                "max_read=512", "max_read: must be 0 (no limit) or at least 4096", "rw,noexec",
                "option 'noexec' is not supported")
                .entrySet()) {
            Cli mount = command("mount", "-t", "fuse.osgi", base.toString(), mountpoint.toString(), "-o",
                    refused.getKey());
            assertTrue(mount.status() != 0, mount::toString);
            assertEquals(1, mount.err().lines().count(), mount::toString);
            assertTrue(mount.err().contains(refused.getValue()), mount::toString);
            assertTrue(mountsLine(mountpoint).isEmpty());
        }
        assertTrue(!listed().contains(mountpoint + " "), "nothing saved");
    }

    @Test
    void anFstabLineMountsWithMountAllOnce() throws Exception {
        Path source = Files.createDirectories(base.resolve("src3"));
        Path mountpoint = Files.createDirectories(base.resolve("mnt3"));
        Files.writeString(source.resolve("file"), "from fstab\n");
        Path fstab = base.resolve("fstab");
        Files.writeString(fstab, "# a test fstab\n" + source + " " + mountpoint + " fuse.osgi defaults,backend=local,"
                + "allow_other,nofail,_netdev,nosuid,nodev,x-systemd.requires=fuse-osgi.service 0 0\n");

        Cli mountAll = command("mount", "-a", "-T", fstab.toString());
        assertEquals(0, mountAll.status(), mountAll::toString);
        try {
            String line = mountsLine(mountpoint).orElseThrow(() -> new AssertionError("not mounted: " + mountAll));
            assertTrue(line.contains("allow_other"), line);
            assertEquals("from fstab\n", Files.readString(mountpoint.resolve("file")));
            // Run again (a boot script, a second mount -a): the line is seen mounted and left alone.
            Cli again = command("mount", "-a", "-T", fstab.toString());
            assertEquals(0, again.status(), again::toString);
            assertEquals(1, Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                    .filter(l -> l.split(" ")[1].equals(mountpoint.toString())).count(), "mounted once");
            assertEquals(1, listed().lines().filter(l -> l.startsWith(mountpoint + " ")).count(), listed());
        } finally {
            Cli umount = command("umount", mountpoint.toString());
            assertEquals(0, umount.status(), umount::toString);
        }
        assertTrue(mountsLine(mountpoint).isEmpty());
        awaitForgotten(mountpoint, 1);
    }

    /**
     * umount(8) ended a mount(8) mount: the container forgets it, says so in its log ({@code times} lines so far for
     * this mountpoint) and no longer lists it.
     */
    private static void awaitForgotten(Path mountpoint, int times) {
        Path log = container.home.resolve("runtime/log/fuse.log");
        String said = "mount " + mountpoint + ": unmounted from outside; made by mount(8)";
        Wait.until(Duration.ofSeconds(15), () -> "the container forgetting " + mountpoint + "; fuse:mounts: "
                + listedOrProblem(), () -> Files.readString(log).split(java.util.regex.Pattern.quote(said), -1).length
                > times && listed().lines().noneMatch(line -> line.startsWith(mountpoint + " ")));
    }

    private static String listedOrProblem() {
        try {
            return listed();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static String listed() throws Exception {
        return Cli.run(container.home, Cli.bin("fuse-osgi", "mounts")).out();
    }

    private static Optional<String> mountsLine(Path mountpoint) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .filter(line -> line.split(" ")[1].equals(mountpoint.toString())).findFirst();
    }
}
