package fuse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./run} as an ordinary user (uid 65534) with a source and mountpoint it owns: the mount is made through
 * {@code fusermount3} (fuse.channel Fusermount), serves files to that user, shows passthrough off with its reason
 * (backing files need CAP_SYS_ADMIN in the initial user namespace) and is unmounted cleanly on stop; and the same
 * user rootless, in a user namespace of its own.
 */
@Timeout(120)
class UnprivilegedTest {
    private static final String NOBODY = "65534";
    private static final List<String> AS_NOBODY = List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
            "--clear-groups");

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path temp;

    @Test
    void anOrdinaryUserMountsThroughFusermount3() throws Exception {
        Path base = nobodysBase();
        // No AOT cache: it lives in the project's build directory, which is root's.
        try (Container container = Container.startAs(base, AS_NOBODY, "FUSE_AOT=0", "HOME=" + base,
                Container.INFO_ON_CONSOLE)) {
            container.awaitLine(line -> line.contains("mounting through fusermount3"));
            // The console's commands are registered by the time the control socket (same start level) is up.
            container.awaitLine(line -> line.contains("control socket "));
            Path file = container.mountpoint.resolve("file");
            Cli read = Cli.run(Map.of(), concat(AS_NOBODY, List.of("cat", file.toString())));
            assertEquals(0, read.status(), read::toString);
            assertEquals("served to nobody\n", read.out());
            // The console may take its commands a moment after it starts: ask until fuse:mounts answers.
            String mounts = new Shell(container).awaitOutput("fuse:mounts", "off (no capability)", WAIT);
            String line = mounts.lines().filter(l -> l.contains(container.mountpoint + " ")).findFirst().orElse("");
            assertTrue(line.contains(" SERVING ") && line.contains("off (no capability)"), mounts);
            assertTrue(mountsLine(container.mountpoint).contains(" fuse.osgi "));

            container.send("stop 0");
            container.awaitExit(Duration.ofSeconds(30));
            assertEquals("", mountsLine(container.mountpoint), "unmounted by fusermount3 -u");
        }
    }

    /** A folder of uid 65534's with its source (one file) and home, below a folder it cannot list. */
    private Path nobodysBase() throws Exception {
        Path base = Files.createDirectories(temp.resolve("nobody"));
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwx--x--x"));
        UserPrincipal nobody = base.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(NOBODY);
        Files.setOwner(base, nobody);
        Files.createDirectories(base.resolve("source"));
        Files.setOwner(base.resolve("source"), nobody);
        Files.writeString(base.resolve("source/file"), "served to nobody\n");
        Files.setOwner(base.resolve("source/file"), nobody);
        Files.createDirectories(base.resolve("home"));
        Files.setOwner(base.resolve("home"), nobody);
        return base;
    }

    /**
     * Rootless: in a user namespace of its own the user is root there and mounts with mount(2) (FUSE may be mounted
     * in a user namespace); the load/ guard sees the real root's folders (/, /tmp) as the overflow uid and trusts
     * them as root's. The mount lives in the namespace's own mount namespace: the test looks at it from inside
     * with nsenter, as the namespace's root, i.e. as uid 65534 outside.
     */
    @Test
    void rootlessInAUserNamespace() throws Exception {
        Path base = nobodysBase();
        List<String> rootless = concat(AS_NOBODY, List.of("unshare", "--user", "--map-root-user", "--mount"));
        try (Container container = Container.startAs(base, rootless, "FUSE_AOT=0", "HOME=" + base,
                Container.INFO_ON_CONSOLE)) {
            container.awaitLine(line -> line.contains("mounts up (fuse.mount-default.cfg)"));
            container.awaitLine(line -> line.contains("control socket "));
            List<String> inside = List.of("nsenter", "--target", Long.toString(container.process().pid()), "--user",
                    "--mount", "--setuid=0", "--setgid=0");
            Cli read = Cli.run(Map.of(), concat(inside, List.of("cat", container.mountpoint + "/file")));
            assertEquals(0, read.status(), read::toString);
            assertEquals("served to nobody\n", read.out());
            Cli write = Cli.run(Map.of(), concat(inside,
                    List.of("sh", "-c", "echo new > " + container.mountpoint + "/new")));
            assertEquals(0, write.status(), write::toString);
            Path created = container.source.resolve("new");
            assertEquals("new\n", Files.readString(created));
            assertEquals(Integer.parseInt(NOBODY), Files.getAttribute(created, "unix:uid"),
                    "the namespace's root is the user outside");
            assertEquals("", mountsLine(container.mountpoint), "the mount is the namespace's own");
            String mounts = new Shell(container).awaitOutput("fuse:mounts", "off (no capability)", WAIT);
            assertTrue(mounts.contains(" SERVING "), mounts);

            container.send("stop 0");
            container.awaitExit(Duration.ofSeconds(30));
        }
    }

    private static String mountsLine(Path mountpoint) throws Exception {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .filter(line -> line.split(" ")[1].equals(mountpoint.toString())).findFirst().orElse("");
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
