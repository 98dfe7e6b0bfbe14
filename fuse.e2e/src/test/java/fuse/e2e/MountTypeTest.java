package fuse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

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

        Cli mount = command("mount", "-t", "fuse.osgi", source.toString(), mountpoint.toString(), "-o",
                "backend=local,ro,default_permissions,entry_timeout=0.5");
        assertEquals(0, mount.status(), mount::toString);
        try {
            String line = mountsLine(mountpoint).orElseThrow(() -> new AssertionError("not mounted: " + mount));
            assertTrue(line.contains(" fuse.osgi ro,"), line);
            assertEquals("content\n", Files.readString(mountpoint.resolve("file")));
            assertThrows(IOException.class, () -> Files.writeString(mountpoint.resolve("new"), "x"));
            assertTrue(Cli.run(container.home, Cli.bin("fuse-osgi", "mounts")).out().contains(mountpoint + " "));
        } finally {
            Cli umount = command("umount", mountpoint.toString());
            assertEquals(0, umount.status(), umount::toString);
        }
        assertTrue(mountsLine(mountpoint).isEmpty());
        // umount(8) detached it by itself; the container noticed the session end.
        String listed = Cli.run(container.home, Cli.bin("fuse-osgi", "mounts")).out();
        assertTrue(listed.lines().anyMatch(line -> line.startsWith(mountpoint + " ") && line.contains("UNMOUNTED")),
                listed);
    }

    @Test
    void anUnknownOptionIsOneLineAndNonZero() throws Exception {
        Path mountpoint = Files.createDirectories(base.resolve("mnt2"));
        Cli mount = command("mount", "-t", "fuse.osgi", base.toString(), mountpoint.toString(), "-o", "ro,colour=blue");
        assertTrue(mount.status() != 0, mount::toString);
        assertEquals(1, mount.err().lines().count(), mount::toString);
        assertTrue(mount.err().contains("unknown option 'colour'"), mount::toString);
        assertTrue(mountsLine(mountpoint).isEmpty());
    }

    @Test
    void anFstabLineMountsWithMountAll() throws Exception {
        Path source = Files.createDirectories(base.resolve("src3"));
        Path mountpoint = Files.createDirectories(base.resolve("mnt3"));
        Files.writeString(source.resolve("file"), "from fstab\n");
        Path fstab = base.resolve("fstab");
        Files.writeString(fstab, "# a test fstab\n" + source + " " + mountpoint
                + " fuse.osgi backend=local,allow_other,nofail,x-systemd.requires=fuse-osgi.service 0 0\n");

        Cli mountAll = command("mount", "-a", "-T", fstab.toString());
        assertEquals(0, mountAll.status(), mountAll::toString);
        try {
            String line = mountsLine(mountpoint).orElseThrow(() -> new AssertionError("not mounted: " + mountAll));
            assertTrue(line.contains("allow_other"), line);
            assertEquals("from fstab\n", Files.readString(mountpoint.resolve("file")));
        } finally {
            Cli umount = command("umount", mountpoint.toString());
            assertEquals(0, umount.status(), umount::toString);
        }
        assertTrue(mountsLine(mountpoint).isEmpty());
    }

    private static Optional<String> mountsLine(Path mountpoint) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .filter(line -> line.split(" ")[1].equals(mountpoint.toString())).findFirst();
    }
}
