package fuse.backend.local.kernel;

import static fuse.backend.local.kernel.ProbeResults.assertContains;
import static fuse.backend.local.kernel.ProbeResults.assertSameResults;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import fuse.channel.InitResult;
import fuse.mount.testing.TestMount;
import fuse.posix.Linux;
import fuse.posix.Posix;

/**
 * POSIX ACLs through an {@code allow_other} mount behave as on the host: an ACL entry that denies or grants a user
 * decides its access, a directory's default ACL is inherited by what is created in it (and the umask applies only
 * where there is none), chmod moves the ACL mask, an ACL set through the mount is the host file's, and setting an
 * ACL as a user outside the file's group clears set-group-ID. The ACLs are set as root with {@code probe.py}
 * through the xattr calls (no {@code setfacl} needed), on a host directory directly and on the mounted copy
 * through the mount; then an ordinary user (uid 65534, {@code setpriv}) does the same on both sides, and the results
 * and the trees, ACLs included, must match.
 */
@Timeout(120)
public class AclKernelTest {
    /** As root, on each side: files and directories whose ACLs deny, grant, mask, and a default ACL to inherit. */
    public static final List<String> SETUP = List.of(
            "setacl denied u::rw-,u:65534:---,g::r--,m::r--,o::r--",
            "setacl granted u::rw-,u:65534:rw-,g::---,m::rw-,o::---",
            "setacl masked u::rw-,u:65534:rw-,g::---,m::r--,o::---",
            "setacl inherit u::rwx,u:65534:rwx,g::r-x,m::rwx,o::r-x",
            "setdefacl inherit u::rwx,u:65534:rwx,g::r-x,m::rwx,o::r-x",
            "setacl chmodme u::rw-,u:1000:rw-,g::r--,m::rw-,o::r--");

    /** As uid 65534 with umask 022. */
    public static final List<String> AS_NOBODY = List.of(
            "read denied", "access denied r", "getacl denied", "setacl denied u::rw-,g::r--,o::r--",
            "read granted", "write granted x", "access granted w", "read masked", "write masked x",
            "access masked w",
            "create inherit/f 0666", "mode inherit/f", "getacl inherit/f", "write inherit/f x",
            "mkdir inherit/d 0777", "mode inherit/d", "getacl inherit/d", "getdefacl inherit/d",
            "mkfifo inherit/p 0666", "mode inherit/p", "getacl inherit/p",
            "create inherit/d/deeper 0640", "mode inherit/d/deeper", "getacl inherit/d/deeper",
            "create plain/f 0666", "mode plain/f", "getacl plain/f", "mkdir plain/d 0777", "mode plain/d",
            "mode sgid", "setacl sgid u::rwx,u:1000:r-x,g::r-x,m::r-x,o::r-x", "mode sgid", "getacl sgid",
            "chmod chmodme 0640", "mode chmodme", "getacl chmodme",
            "setacl plain/f u::rw-,u:1000:rw-,g::r--,m::rw-,o::---", "getacl plain/f", "mode plain/f",
            "rmacl plain/f", "getacl plain/f", "mode plain/f");

    /** What the host gives {@link #AS_NOBODY}: the comparison means something only if these hold. */
    public static final String[] EXPECTED = {
        "read denied -> EACCES", "read granted -> OK granted", "write masked x -> EACCES",
        "read masked -> OK masked", "setacl denied u::rw-,g::r--,o::r-- -> EPERM",
        // inherited: mode & default ACL, the umask (022) left out
        "mode inherit/f -> OK 0o100664", "getacl inherit/f -> OK u::rw-,u:65534:rwx,g::r-x,m::rw-,o::r--",
        "mode inherit/d -> OK 0o40775", "getdefacl inherit/d -> OK u::rwx,u:65534:rwx,g::r-x,m::rwx,o::r-x",
        "mode inherit/d/deeper -> OK 0o100640",
        // no default ACL: the umask applies
        "mode plain/f -> OK 0o100644", "getacl plain/f -> OK none", "mode plain/d -> OK 0o40755",
        // set-group-ID goes when a user outside the group sets an ACL; chmod moves the mask
        "mode sgid -> OK 0o102775", "mode sgid -> OK 0o100755",
        "getacl chmodme -> OK u::rw-,u:1000:rw-,g::r--,m::r--,o::---"};

    @TempDir
    Path base;

    private Path host;
    private Path root;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "switching to another user needs root");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        host = populate(base.resolve("host"));
        root = populate(base.resolve("root"));
    }

    /** The same root-owned tree on both sides, before any ACL ({@link #SETUP}). */
    public static Path populate(Path dir) throws Exception {
        Files.createDirectory(dir);
        mode(dir, 0755);
        mode(Files.writeString(dir.resolve("denied"), "denied"), 0644);
        mode(Files.writeString(dir.resolve("granted"), "granted"), 0600);
        mode(Files.writeString(dir.resolve("masked"), "masked"), 0600);
        mode(Files.createDirectory(dir.resolve("inherit")), 0755);
        mode(Files.createDirectory(dir.resolve("plain")), 0777);
        Path sgid = Files.writeString(dir.resolve("sgid"), "sgid");
        Posix.fchownat(Linux.AT_FDCWD, sgid.toString(), 65534, 0, 0); // nobody's file in a group it is not in
        mode(sgid, 02775);
        Path chmodme = Files.writeString(dir.resolve("chmodme"), "chmodme");
        Posix.fchownat(Linux.AT_FDCWD, chmodme.toString(), 65534, 65534, 0);
        return dir;
    }

    private static Path mode(Path path, int mode) throws Exception {
        Posix.fchmodat(Linux.AT_FDCWD, path.toString(), mode, 0);
        return path;
    }

    @Test
    void aclsThroughTheMountBehaveAsOnTheHost() throws Exception {
        try (TestMount mount = LocalMounts.mount(root, "never", Map.of("allow_other", true))) {
            assertTrue(mount.session().awaitInit(java.time.Duration.ofSeconds(5)).orElseThrow()
                    .has(InitResult.POSIX_ACL), "POSIX_ACL negotiated with default_permissions");
            List<String> setupHost = Python.probe(mount, Python.ROOT, host.toString(), "022", SETUP);
            List<String> setupMount = Python.probe(mount, Python.ROOT, mount.path().toString(), "022", SETUP);
            assertSameResults(setupHost, setupMount);
            assertTrue(setupHost.stream().allMatch(line -> line.endsWith("-> OK")),
                    () -> String.join("\n", setupHost));
            // ACLs set through the mount are the host file's own.
            assertEquals(manifest(mount, host), manifest(mount, root), "ACLs set through the mount");

            List<String> onHost = Python.probe(mount, Python.NOBODY, host.toString(), "022", AS_NOBODY);
            List<String> onMount = Python.probe(mount, Python.NOBODY, mount.path().toString(), "022", AS_NOBODY);
            assertSameResults(onHost, onMount);
            // The comparison means something only if the host applied the ACLs as expected:
            assertContains(onHost, EXPECTED);
            assertEquals(manifest(mount, host), manifest(mount, root), "the trees after the user's changes");
        }
    }

    private static String manifest(TestMount mount, Path tree) throws Exception {
        return String.join("\n", Python.manifest(mount, tree.toString(), "--no-times", "--acls"));
    }
}
