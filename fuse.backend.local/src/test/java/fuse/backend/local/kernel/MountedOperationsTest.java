package fuse.backend.local.kernel;

import static fuse.testkit.posix.ProbeResults.assertContains;
import static fuse.testkit.posix.ProbeResults.assertSameResults;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import fuse.mount.MountStatistics;
import fuse.mount.testing.TestMount;
import fuse.passthrough.PassthroughStatistics;
import fuse.testkit.posix.Python;

/**
 * Every operation family through a mount of the local backend, by another process (python3 making the system
 * calls), compared with the same calls on a host directory: results and errors line by line, then the trees
 * themselves. Inode numbers and link counts seen through the mount are the host's. Run with every regular file
 * passed through and with everything served in Java.
 */
@Timeout(120)
class MountedOperationsTest {
    @TempDir
    Path base;

    private static final String FOUR_GIB_AND_THREE_PAGES = Long.toString((4L << 30) + 3 * 4096);
    private static final String PAST_THE_END = Long.toString((4L << 30) + 3 * 4096 + 3);

    /** As root, umask 022. Each line is one call; see probe.py. */
    private static final List<String> OPERATIONS = List.of(
            // create/open flags, read/write
            "create f 0644", "write f hello", "read f", "open-excl f 0644", "append f _world", "read f",
            "open-trunc f", "size f", "write-at f 10 tail", "read-at f 0 14", "size f", "seek-end f",
            // directories and the errors of names
            "mkdir d 0755", "mkdir d 0755", "open-dir-write d", "opendir f", "mode d", "nlink d",
            "mkdir d/sub 0700", "nlink d", "create d/g 0600", "listdir d", "rmdir d", "unlink d", "rmdir d/g",
            "read missing", "read f/x", "mkdir missing/x 0755", "unlink missing", "rmdir missing",
            "create missing/x 0644",
            // symlinks and hard links
            "symlink f s", "readlink s", "mode s", "read s", "open-nofollow s", "symlink /nowhere dangling",
            "read dangling", "readlink f", "symlink x f", "link f h", "nlink f", "link d hd", "link missing x",
            "link s s2", "mode s2", "nlink s", "unlink h", "nlink f",
            // special files
            "mkfifo fifo 0640", "mode fifo", "fifo-roundtrip fifo", "mknod-sock sock", "mode sock",
            "mknod-reg reg", "mode reg", "mknod-chr null", "mode null", "rdev null", "mknod-blk blk 7 200",
            "rdev blk", "mkfifo fifo 0600", "socket-roundtrip live.sock",
            // rename and its flags
            "create a 0644", "write a A", "create b 0644", "write b B", "rename-noreplace a b",
            "rename-exchange a b", "read a", "read b", "rename-exchange a nothing", "rename a b", "read b", "read a",
            "rename-whiteout b c", "mode b", "rdev b", "read c", "rename d f", "rename f d", "rename d d/sub/x",
            "mkdir e 0755", "rename e d", "rename e d/sub/e", "listdir d/sub", "rename-noreplace c nothing",
            // attributes
            "chmod f 0640", "mode f", "chmod f 04755", "mode f", "chown f 1234 4321", "owner f", "mode f",
            "lchown s 77 77", "owner s", "owner f", "utime f 1000000", "utime-now f", "truncate f 3", "size f",
            "read f", "truncate d 0", "truncate f -1", "chmod d 0700", "mode d",
            // xattrs
            "setxattr f user.k v", "getxattr f user.k", "listxattr f", "setxattr f user.k w", "getxattr f user.k",
            "removexattr f user.k", "getxattr f user.k", "removexattr f user.k", "setxattr s user.k v",
            "setxattr d user.k v", "getxattr d user.k", "setxattr f trusted.k v", "getxattr f trusted.k",
            "listxattr f", "setxattr fifo user.k v",
            // sparse files past 4 GiB, holes, fallocate, punch hole, sync
            "create sp 0644", "write-at sp " + FOUR_GIB_AND_THREE_PAGES + " end", "size sp", "blocks sp",
            "seek-data sp 0", "seek-hole sp 0", "seek-data sp " + PAST_THE_END,
            "read-at sp " + FOUR_GIB_AND_THREE_PAGES + " 3", "read-at sp 4294967296 2",
            "fallocate sp 0 0 8192", "seek-data sp 0", "seek-hole sp 0", "blocks sp", "fallocate sp 3 0 8192",
            "seek-data sp 0", "blocks sp", "fallocate sp 2 0 4096", "fallocate sp 1 " + PAST_THE_END + " 1048576",
            "size sp", "fallocate sp 0 " + PAST_THE_END + " 4096", "size sp", "fsync sp", "fdatasync sp",
            "fsync-dir d",
            // copy_file_range, O_DIRECT
            "create src 0644", "write src 0123456789", "create dst 0644", "copy-range src dst 2 1 6", "read-at dst 0 16",
            "size dst", "copy-range src dst 10 0 5", "direct-io dio 65536", "size dio", "read-at dio 1 4",
            // through an open descriptor; open files outlive their names
            "create fd 0644", "write fd 0123456789", "ftruncate fd 4", "fstat-size fd", "ftruncate fd 100000",
            "size fd", "blocks fd", "ftruncate-readonly fd 1", "fchmod fd 0600", "mode fd", "fchown fd 42 43",
            "owner fd", "futime fd 2000000", "unlinked-while-open gone", "read gone", "create new 0644",
            "write new new", "replaced-while-open fd new", "read fd", "create mm 0644", "write mm abcdefgh",
            "mmap-write mm 2 XY", "read mm",
            // names are bytes: not UTF-8, with newlines and spaces, as long as NAME_MAX and longer
            "hexname-create 636166e9", "hexname-create 636166e8", "hexname-create c3a9", "hexname-create fffe",
            "hexname-create 6e65770a6c696e65", "hexname-mkdir 20737061636520", "hexname-stat 636166e9",
            "hexname-symlink 2e2e2fe9ff 6c696e6be9", "hexname-readlink 6c696e6be9", "hexname-rename fffe feff",
            "hexname-stat fffe", "hexname-unlink 636166e8", "create " + "n".repeat(255) + " 0644",
            "create " + "o".repeat(256) + " 0644", "hexname-list",
            // statfs and access
            "statvfs .", "access f r", "access f x", "access reg x", "access d x", "access missing f");

    @ParameterizedTest(name = "policy={0}")
    @ValueSource(strings = {"always", "never"})
    void everyOperationAnswersAsOnTheHost(String policy) throws Exception {
        Path host = Files.createDirectory(base.resolve("host"));
        Path root = Files.createDirectory(base.resolve("root"));
        try (TestMount mount = LocalMounts.mount(root, policy)) {
            List<String> onHost = Python.probe(mount, Python.ROOT, host.toString(), "022", OPERATIONS);
            List<String> onMount = Python.probe(mount, Python.ROOT, mount.path().toString(), "022", OPERATIONS);
            assertSameResults(onHost, onMount);
            assertContains(onHost, "open-excl f 0644 -> EEXIST", "read-at f 0 14 -> OK ..........tail",
                    "rmdir d -> ENOTEMPTY", "unlink d -> EISDIR", "rmdir d/g -> ENOTDIR", "read f/x -> ENOTDIR",
                    "open-dir-write d -> EISDIR", "link d hd -> EPERM", "rename e d -> ENOTEMPTY",
                    "rename-exchange a b -> OK", "rename-noreplace a b -> EEXIST", "mode b -> OK 0o20000",
                    "fifo-roundtrip fifo -> OK through the fifo", "rdev blk -> OK 7,200",
                    "socket-roundtrip live.sock -> OK through the socket 0o140755",
                    "seek-data sp 0 -> OK 4294979584", "fallocate sp 2 0 4096 -> ENOTSUP",
                    "seek-data sp " + PAST_THE_END + " -> ENXIO", "read-at dst 0 16 -> OK .234567",
                    "getxattr f user.k -> ENODATA", "setxattr s user.k v -> EPERM",
                    "unlinked-while-open gone -> OK still here nlink=0 size=10", "read mm -> OK abXYefgh",
                    "ftruncate-readonly fd 1 -> EINVAL", "hexname-readlink 6c696e6be9 -> OK 2e2e2fe9ff", "hexname-stat fffe -> ENOENT",
                    "create " + "o".repeat(256) + " 0644 -> ENAMETOOLONG");
            assertTrue(onHost.stream().anyMatch(line -> line.startsWith("direct-io dio 65536 -> OK 65536 65536 True")),
                    () -> String.join("\n", onHost));

            // The trees the two runs left: types, permissions, owners, sizes, contents, link counts.
            assertEquals(String.join("\n", Python.manifest(mount, host.toString(), "--no-times")),
                    String.join("\n", Python.manifest(mount, root.toString(), "--no-times")));
            // Seen through the mount, every entry is the host's: same inode numbers, link counts, times.
            assertEquals(String.join("\n", Python.manifest(mount, root.toString(), "--inodes")),
                    String.join("\n", Python.manifest(mount, mount.path().toString(), "--inodes")));
        }
    }

    /** "default": no policy in the configuration, so passthrough is what a plain mount gets. */
    @ParameterizedTest(name = "policy={0}")
    @ValueSource(strings = {LocalMounts.DEFAULT_POLICY, "never"})
    void readsAndWritesPassThroughUnlessThePolicySaysNever(String policy) throws Exception {
        Path source = Files.createDirectory(base.resolve("source"));
        Path root = Files.createDirectory(base.resolve("root"));
        for (int i = 0; i < 8; i++) {
            // One file spans many 1 MiB requests and ends in a partial page.
            byte[] data = new byte[i == 0 ? (20 << 20) + 12345 : 1 << 20];
            new java.util.Random(i).nextBytes(data);
            Files.write(source.resolve("file-" + i), data);
        }
        try (TestMount mount = LocalMounts.mount(root, policy)) {
            Path copy = mount.path("copy");
            mount.run(Duration.ofSeconds(60), "cp", "-r", source.toString(), copy.toString());
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                names.add("file-" + i);
            }
            String expected = sha256sum(mount, source, names);
            String throughMount = sha256sum(mount, copy, names);
            assertEquals(expected, throughMount);
            assertEquals(expected, sha256sum(mount, root.resolve("copy"), names));

            MountStatistics stats = mount.core().statistics();
            PassthroughStatistics passthrough = mount.core().passthrough();
            System.out.printf("policy %s: %d READ, %d WRITE requests; %d passthrough opens, %d Java-served%n",
                    policy, stats.count("READ"), stats.count("WRITE"), passthrough.passthroughOpens(),
                    passthrough.javaServedOpens());
            if (policy.equals(LocalMounts.DEFAULT_POLICY)) {
                assertEquals(0, stats.count("READ"), "reads went to the host file, not to the server");
                assertEquals(0, stats.count("WRITE"), "writes went to the host file, not to the server");
                assertTrue(passthrough.passthroughOpens() >= 16, "8 creates and 8 opens: " + passthrough);
                assertEquals(0, passthrough.javaServedOpens());
                assertEquals(0, passthrough.totalFallbacks());
            } else {
                assertTrue(stats.count("READ") >= 27, "27 MiB read through READ requests");
                assertTrue(stats.count("WRITE") >= 27, "27 MiB written through WRITE requests");
                assertEquals(0, passthrough.passthroughOpens());
                assertTrue(passthrough.javaServedOpens() >= 16);
            }
        }
    }

    @ParameterizedTest(name = "policy={0}")
    @ValueSource(strings = {"always", "never"})
    void renamesAndLinksBetweenTwoMountsFailWithExdev(String policy) throws Exception {
        Path root = Files.createDirectory(base.resolve("root"));
        Path other = Files.createDirectory(base.resolve("other"));
        Files.writeString(root.resolve("f"), "f");
        Files.createDirectory(root.resolve("d"));
        try (TestMount first = LocalMounts.mount(root, policy);
                TestMount second = LocalMounts.mount(other, policy);
                TestMount sameRoot = LocalMounts.mount(root, policy)) {
            String a = first.path().toString();
            for (TestMount target : List.of(second, sameRoot)) {
                String b = target.path().toString();
                List<String> results = Python.probe(first, Python.ROOT, "/", "022", List.of(
                        "rename " + a + "/f " + b + "/f", "rename " + a + "/d " + b + "/d",
                        "rename-exchange " + a + "/f " + b + "/f", "link " + a + "/f " + b + "/g",
                        "rename " + a + "/f " + a + "/d/f", "read " + b + "/d/f"));
                assertEquals(List.of("EXDEV", "EXDEV", "EXDEV", "EXDEV", "OK", target == sameRoot ? "OK f" : "ENOENT"),
                        results.stream().map(line -> line.substring(line.indexOf(" -> ") + 4)).toList());
                Python.probe(first, Python.ROOT, "/", "022", List.of("rename " + a + "/d/f " + a + "/f"));
            }
            assertEquals("f", Files.readString(root.resolve("f")));
            try (var list = Files.list(other)) {
                assertEquals(0, list.count(), "nothing arrived in the other mount's root");
            }
        }
    }

    private static String sha256sum(TestMount mount, Path directory, List<String> names) throws Exception {
        List<String> command = new ArrayList<>(List.of("sh", "-c", "cd \"$0\" && sha256sum \"$@\"",
                directory.toString()));
        command.addAll(names);
        return mount.run(Duration.ofSeconds(60), command.toArray(String[]::new));
    }
}
