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
 * (backing files need CAP_SYS_ADMIN in the initial user namespace) and is unmounted cleanly on stop.
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

    private static String mountsLine(Path mountpoint) throws Exception {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .filter(line -> line.split(" ")[1].equals(mountpoint.toString())).findFirst().orElse("");
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
