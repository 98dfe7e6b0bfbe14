package fuse.backend.local.kernel;

import static fuse.testkit.posix.ProbeResults.assertContains;
import static fuse.testkit.posix.ProbeResults.assertSameResults;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import fuse.mount.testing.TestMount;
import fuse.posix.Posix;
import fuse.testkit.posix.Python;

/**
 * An ordinary user (uid/gid 65534, started with {@code setpriv}) on an {@code allow_other} mount (so with the
 * kernel's {@code default_permissions}) gets exactly what the same user gets on the host's own file system:
 * the same errors (EACCES, EPERM) for the same operations, and files it creates belong to it, with the mode its
 * umask leaves and the group a set-group-ID directory gives. Every operation runs twice, once on a host directory
 * and once on the mount of an identical one, and both the results and the resulting trees must match.
 */
@Timeout(120)
class PermissionsKernelTest {
    private static final int USERS = 100;

    @TempDir
    Path base;

    private TwinTrees trees;

    @BeforeEach
    void setUp() throws Exception {
        trees = TwinTrees.in(base, PermissionsKernelTest::populate);
    }

    /** The same tree of root-owned files and directories with assorted permissions, for both sides. */
    private static Path populate(Path dir) throws Exception {
        Files.createDirectory(dir);
        mode(dir, "rwxr-xr-x");
        mode(Files.writeString(dir.resolve("rootfile"), "data"), "rw-r--r--");
        Path secret = Files.writeString(dir.resolve("secret"), "secret");
        mode(secret, "rw-------");
        Files.setAttribute(secret, "user:tag", "outside".getBytes());
        mode(Files.writeString(dir.resolve("open"), "open"), "rw-rw-rw-");
        mode(Files.createDirectory(dir.resolve("ro-dir")), "rwxr-xr-x");
        Files.writeString(dir.resolve("ro-dir/f"), "f");
        mode(Files.createDirectory(dir.resolve("private")), "rwx------");
        Files.writeString(dir.resolve("private/f"), "f");
        mode(Files.createDirectory(dir.resolve("shared")), "rwxrwxrwx");
        Files.writeString(dir.resolve("shared/victim"), "v");
        Path sticky = Files.createDirectory(dir.resolve("sticky"));
        Posix.fchmodat(fuse.posix.Linux.AT_FDCWD, sticky.toString(), 01777, 0);
        Files.writeString(dir.resolve("sticky/victim"), "v");
        Path group = Files.createDirectory(dir.resolve("group"));
        mode(group, "rwxrwx---");
        Posix.fchownat(fuse.posix.Linux.AT_FDCWD, group.toString(), 0, USERS, 0);
        Path groupFile = Files.writeString(group.resolve("gread"), "group");
        mode(groupFile, "rw-r-----");
        Posix.fchownat(fuse.posix.Linux.AT_FDCWD, groupFile.toString(), 0, USERS, 0);
        Path setgid = Files.createDirectory(dir.resolve("setgid"));
        Posix.fchownat(fuse.posix.Linux.AT_FDCWD, setgid.toString(), 0, USERS, 0);
        Posix.fchmodat(fuse.posix.Linux.AT_FDCWD, setgid.toString(), 02777, 0);
        return dir;
    }

    private static Path mode(Path path, String permissions) throws IOException {
        return Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
    }

    /** What a user without supplementary groups tries, with umask 027. */
    private static final List<String> AS_NOBODY = List.of(
            "read rootfile", "write rootfile x", "read secret", "getxattr secret user.tag",
            "setxattr rootfile user.y 1", "setxattr open user.y 1", "getxattr open user.y",
            "truncate rootfile 0", "truncate open 2", "read open", "truncate-open rootfile",
            "chmod rootfile 0777", "chown rootfile 65534 65534", "utime-now open", "utime-now rootfile",
            "utime open 1000", "access rootfile w", "access rootfile r", "access secret r", "access open w",
            "create ro-dir/new 0644", "mkdir ro-dir/new 0755", "mkfifo ro-dir/fifo 0644", "symlink x ro-dir/sym",
            "unlink ro-dir/f", "rename ro-dir/f shared/f", "link ro-dir/f ro-dir/g",
            "listdir private", "mode private/f", "read private/f",
            "create shared/mine 0666", "write shared/mine hello", "append shared/mine !", "read shared/mine",
            "mode shared/mine", "owner shared/mine",
            "mkdir shared/mydir 0777", "mode shared/mydir", "owner shared/mydir",
            "mkfifo shared/myfifo 0666", "mode shared/myfifo", "owner shared/myfifo",
            "mknod-chr shared/mydev", "symlink mine shared/mylink", "owner shared/mylink",
            "lchown shared/mylink 65534 65534", "link secret shared/hl", "link shared/mine shared/mine2",
            "unlink shared/victim", "unlink sticky/victim", "rename sticky/victim sticky/x",
            "create sticky/mine 0600", "rename sticky/mine sticky/mine.moved",
            "rename-noreplace shared/mine2 shared/mine", "rename-exchange shared/mine shared/mydir",
            "rename-exchange shared/mydir shared/mine", "mode shared/mine",
            "chmod shared/mine 04755", "mode shared/mine", "write shared/mine x", "mode shared/mine",
            "chmod shared/mine 02755", "mode shared/mine", "chown shared/mine 65534 100",
            "utime shared/mine 1000", "truncate shared/mine 1", "size shared/mine",
            "setxattr shared/mine user.mine 1", "listxattr shared/mine", "removexattr shared/mine user.mine",
            "rmdir shared/mydir", "rmdir shared/mine",
            "open-creat group/x 0644", "read group/gread",
            "create setgid/sf 0666", "owner setgid/sf", "mode setgid/sf", "mkdir setgid/sd 0777",
            "mode setgid/sd", "owner setgid/sd", "chmod setgid/sf 02770", "mode setgid/sf");

    /** What a member of group 100 tries in the group's directory, with umask 002. */
    private static final List<String> AS_GROUP_MEMBER = List.of(
            "read group/gread", "write group/gread x", "listdir group",
            "create group/gf 0666", "owner group/gf", "mode group/gf", "mkdir group/gd 0777", "mode group/gd",
            "mkfifo group/gfifo 0666", "symlink gf group/gsym", "link group/gf group/gf2",
            "rename group/gf2 group/gf3", "chown group/gf 65534 100", "owner group/gf", "chmod group/gf 02775",
            "mode group/gf", "unlink group/gf3", "rmdir group/gd");

    @ParameterizedTest(name = "policy={0}")
    @ValueSource(strings = {"always", "never"})
    void anOrdinaryUserGetsWhatTheHostGivesIt(String policy) throws Exception {
        try (TestMount mount = LocalMounts.mount(trees.root(), policy, Map.of("allow_other", true))) {
            List<String> onHost = Python.probe(mount, Python.NOBODY, trees.host().toString(), "027", AS_NOBODY);
            List<String> onMount = Python.probe(mount, Python.NOBODY, mount.path().toString(), "027", AS_NOBODY);
            assertSameResults(onHost, onMount);
            // The comparison means something only if the host refused and allowed what it should:
            assertContains(onHost, "read secret -> EACCES", "write rootfile x -> EACCES",
                    "create ro-dir/new 0644 -> EACCES", "chmod rootfile 0777 -> EPERM",
                    "chown rootfile 65534 65534 -> EPERM", "utime open 1000 -> EPERM", "utime-now open -> OK",
                    "listdir private -> EACCES", "mknod-chr shared/mydev -> EPERM", "link secret shared/hl -> EPERM",
                    "unlink sticky/victim -> EPERM", "owner shared/mine -> OK 65534:65534",
                    "mode shared/mine -> OK 0o100640", "mode shared/mydir -> OK 0o40750",
                    "mode shared/myfifo -> OK 0o10640", "owner setgid/sf -> OK 65534:100",
                    "mode setgid/sd -> OK 0o42750", "read open -> OK op");

            List<String> groupOnHost = Python.probe(mount, Python.NOBODY_IN_GROUP_100, trees.host().toString(),
                    "002", AS_GROUP_MEMBER);
            List<String> groupOnMount = Python.probe(mount, Python.NOBODY_IN_GROUP_100, mount.path().toString(),
                    "002", AS_GROUP_MEMBER);
            assertSameResults(groupOnHost, groupOnMount);
            assertContains(groupOnHost, "create group/gf 0666 -> OK", "mode group/gf -> OK 0o100664",
                    "owner group/gf -> OK 65534:100");

            // The files themselves: owners, modes, sizes, contents, link counts, as the host keeps them.
            List<String> hostTree = Python.manifest(mount, trees.host().toString(), "--no-times");
            List<String> rootTree = Python.manifest(mount, trees.root().toString(), "--no-times");
            assertEquals(String.join("\n", hostTree), String.join("\n", rootTree));
        }
    }
}
