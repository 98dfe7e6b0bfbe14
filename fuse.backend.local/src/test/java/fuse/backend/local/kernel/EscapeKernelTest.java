package fuse.backend.local.kernel;

import static fuse.posix.Linux.AT_FDCWD;
import static fuse.posix.Linux.RENAME_EXCHANGE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import fuse.api.FuseException;
import fuse.mount.testing.TestMount;
import fuse.posix.Posix;
import fuse.testkit.OutsideTheRoot;
import fuse.testkit.posix.Python;

/**
 * Attempts to get out of the root through a mount: symlinks to {@code /}, to {@code ../../etc/passwd} and to a
 * directory next to the root, hard links to an outside file, renames to another mount, and a symlink swapped in
 * for a directory (on the host and through the mount) while another process works in that directory. Every test
 * snapshots everything next to the root (and the root's parent) and proves nothing there changed.
 *
 * <p>The client's kernel resolves symlinks itself, relative to the mountpoint, which lives elsewhere
 * ({@code /tmp/fuse-test-*}); so a relative link that would reach {@code outside} from the root reaches nothing
 * from the mount, and what could only go wrong is the server following a link or a path on the host.
 */
@Timeout(120)
class EscapeKernelTest {
    @TempDir
    Path base;

    private OutsideTheRoot tree;
    private Path root;
    private Path outside;
    private TestMount mount;

    @BeforeEach
    void setUp() throws Exception {
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        tree = OutsideTheRoot.in(base);
        root = tree.root;
        outside = tree.outside;
        Files.writeString(root.resolve("f"), "inside");
        mount = LocalMounts.mount(root, "always", Map.of("allow_other", true));
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (mount != null) {
                mount.close();
            }
        } finally {
            tree.assertUnchanged();
        }
    }

    private List<String> probe(String... operations) throws Exception {
        return Python.probe(mount, Python.ROOT, mount.path().toString(), "022", List.of(operations));
    }

    private List<String> probeAsNobody(String... operations) throws Exception {
        return Python.probe(mount, Python.NOBODY, mount.path().toString(), "022", List.of(operations));
    }

    private static List<String> results(List<String> lines) {
        return lines.stream().map(line -> line.substring(line.indexOf(" -> ") + 4)).toList();
    }

    @Test
    void symlinksToTheOutsideLeadNowhereAndChangesOnThemStayOnThem() throws Exception {
        String secret = outside.resolve("secret").toString();
        // Made through the mount, and planted on the host where the server could be tricked into following them.
        probe("symlink / slash", "symlink ../../etc/passwd up", "symlink ../outside rel",
                "symlink " + secret + " abs", "mkdir deep 0755", "mkdir deep/a 0755",
                "symlink ../../../outside/secret deep/a/up");
        Files.createSymbolicLink(root.resolve("hostrel"), Path.of("../outside"));
        Files.createSymbolicLink(root.resolve("hostsecret"), Path.of("../outside/secret"));

        List<String> lines = probe(
                // Followed by the client relative to the mountpoint: nothing is there.
                "write rel/secret x", "truncate rel/secret 0", "read hostsecret", "write hostsecret x",
                "create hostrel/new 0644", "mkdir hostrel/new 0755", "unlink hostrel/secret",
                "write deep/a/up x", "setxattr hostsecret user.x 1", "truncate up 0",
                // Operations on the links themselves reach the links, never their targets.
                "readlink abs", "readlink up", "lchown abs 1234 1234", "owner abs", "setxattr abs user.x 1",
                "setxattr abs trusted.x 1", "getxattr abs trusted.x", "getxattr abs user.tag",
                "link abs hard", "nlink abs", "rename abs abs2", "unlink hard", "unlink abs2",
                "lchown hostsecret 1234 1234", "setxattr hostsecret trusted.y 1", "link hostsecret hard2",
                // Hard links and renames across the mount boundary (the client resolves ".." from the mountpoint).
                "link ../../" + base.getFileName() + "/outside/secret x", "rename f ../f");
        assertEquals(List.of("ENOENT", "ENOENT", "ENOENT", "ENOENT", "ENOENT", "ENOENT", "ENOENT", "ENOENT", "EPERM",
                "ENOENT", "OK " + secret, "OK ../../etc/passwd", "OK", "OK 1234:1234", "EPERM", "OK", "OK 1",
                "ENODATA", "OK", "OK 2", "OK", "OK", "OK", "OK", "OK", "OK", "EXDEV", "EXDEV"), results(lines),
                () -> String.join("\n", lines));
        assertEquals(1234, Files.getAttribute(root.resolve("hostsecret"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.isSymbolicLink(root.resolve("hard2")));

        // The absolute paths the client resolves itself: a hard link into the mount is another device.
        List<String> absolute = Python.probe(mount, Python.ROOT, "/", "022", List.of(
                "link " + secret + " " + mount.path("stolen"), "link " + mount.path("f") + " " + outside.resolve("f"),
                "rename " + mount.path("f") + " " + outside.resolve("f"),
                "rename " + secret + " " + mount.path("stolen")));
        assertEquals(List.of("EXDEV", "EXDEV", "EXDEV", "EXDEV"), results(absolute));
    }

    @Test
    void anOrdinaryUserCannotReachOutsideEither() throws Exception {
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.createSymbolicLink(root.resolve("hostsecret"), Path.of("../outside/secret"));
        List<String> lines = probeAsNobody("symlink ../outside/secret mine", "read mine", "write mine x",
                "link hostsecret hard", "lchown hostsecret 65534 65534", "setxattr hostsecret user.x 1",
                "rename hostsecret stolen", "rename stolen hostsecret");
        // protected_hardlinks refuses a link to someone else's symlink, as on the host.
        assertEquals(List.of("OK", "ENOENT", "ENOENT", "EPERM", "EPERM", "EPERM", "OK", "OK"), results(lines),
                () -> String.join("\n", lines));
    }

    @Test
    void aSymlinkSwappedInForADirectoryDuringARenameLoopLeadsNowhere() throws Exception {
        Path d = Files.createDirectory(root.resolve("d"));
        Files.createDirectory(d.resolve("dir"));
        Files.createSymbolicLink(root.resolve("s"), outside);
        Files.createSymbolicLink(root.resolve("t"), Path.of("../outside"));
        String m = mount.path().toString();
        String r = root.toString();
        // Through the mount, as another program would: the kernel knows, and "d" is a symlink half the time.
        String throughMount = raceWith(() -> {
            Posix.renameat2(AT_FDCWD, m + "/d", AT_FDCWD, m + "/s", RENAME_EXCHANGE);
            Posix.renameat2(AT_FDCWD, m + "/s", AT_FDCWD, m + "/d", RENAME_EXCHANGE);
            Posix.renameat2(AT_FDCWD, m + "/d", AT_FDCWD, m + "/t", RENAME_EXCHANGE);
            Posix.renameat2(AT_FDCWD, m + "/t", AT_FDCWD, m + "/d", RENAME_EXCHANGE);
        });
        // On the host, behind the kernel's back: its cached entry for "d" goes stale, and a server that went by
        // path ("root/d/...") would follow the symlink that now has the name.
        String onHost = raceWith(() -> {
            Posix.renameat2(AT_FDCWD, r + "/d", AT_FDCWD, r + "/s", RENAME_EXCHANGE);
            Posix.renameat2(AT_FDCWD, r + "/s", AT_FDCWD, r + "/d", RENAME_EXCHANGE);
            Posix.renameat2(AT_FDCWD, r + "/d", AT_FDCWD, r + "/t", RENAME_EXCHANGE);
            Posix.renameat2(AT_FDCWD, r + "/t", AT_FDCWD, r + "/d", RENAME_EXCHANGE);
        });
        for (String report : List.of(throughMount, onHost)) {
            List<String> unexpected = report.lines()
                    .filter(line -> !line.matches("\\S+ (OK|ENOENT|ENOTDIR|ELOOP|EEXIST) \\d+"))
                    .toList();
            assertTrue(unexpected.isEmpty(), () -> "unexpected results: " + unexpected + " in\n" + report);
            assertTrue(report.contains("create OK"), () -> "the worker created files (inside the root):\n" + report);
        }
        try (Stream<Path> created = Files.walk(root)) {
            assertTrue(created.anyMatch(p -> p.getFileName().toString().startsWith("file-")));
        }
        assertFalse(mount.io(() -> Files.list(mount.path()).toList()).isEmpty(), "the mount still works");
    }

    @FunctionalInterface
    private interface Swap {
        void run() throws FuseException;
    }

    /** Runs race.py on the mount for a second while {@code swap} runs in a loop; the worker's report. */
    private String raceWith(Swap swap) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger swaps = new AtomicInteger();
        CompletableFuture<Void> swapper = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("swapper").start(() -> {
            try {
                while (!stop.get()) {
                    swap.run();
                    swaps.incrementAndGet();
                }
                swapper.complete(null);
            } catch (Throwable t) {
                swapper.completeExceptionally(t);
            }
        });
        String report;
        try {
            report = Python.run(mount, Duration.ofSeconds(30), Python.ROOT, "race.py", mount.path().toString(), "1");
        } finally {
            stop.set(true);
        }
        swapper.get(10, TimeUnit.SECONDS);
        System.out.printf("rename race: %d swaps; worker:%n%s", swaps.get(), report);
        assertTrue(swaps.get() > 10, "swaps: " + swaps);
        return report;
    }
}
