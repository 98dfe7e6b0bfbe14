package fuse.backend.local.internal;

import static fuse.posix.Linux.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import fuse.api.AttributeChanges;
import fuse.api.Caller;
import fuse.api.Entry;
import fuse.api.Errno;
import fuse.api.FileType;
import fuse.api.FuseException;
import fuse.api.Node;
import fuse.api.TimeSpec;
import fuse.posix.Posix;
import fuse.testkit.OutsideTheRoot;
import fuse.testkit.TestCaller;
import fuse.testkit.Wait;

/**
 * Attempts to reach outside the root through the SPI: odd names, symlinks to outside (absolute, relative, magic),
 * a symlink swapped in for a directory while another thread works in it, hard links. Each test snapshots a
 * directory next to the root (and the root's parent) and proves nothing there changed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConfinementTest {
    private static final Caller ROOT = TestCaller.root(022);

    @TempDir
    Path parent;

    private OutsideTheRoot tree;
    private Path root;
    private Path outside;
    private LocalFileSystem fs;

    @BeforeEach
    void setUp() throws Exception {
        tree = OutsideTheRoot.in(parent);
        root = tree.root;
        outside = tree.outside;
        fs = LocalFileSystem.open(Settings.parse(Map.of("root", root.toString())));
    }

    @AfterEach
    void tearDown() throws Exception {
        fs.close();
        tree.assertUnchanged();
    }

    private static MemorySegment bytes(String s) {
        return Arena.ofAuto().allocateFrom(JAVA_BYTE, s.getBytes());
    }

    private static Errno errnoOf(Executable call) {
        return assertThrows(FuseException.class, call).errno();
    }

    private Node rootNode() {
        return fs.root();
    }

    @Test
    void namesThatAreNotOneComponentAreRefusedEverywhere() throws Exception {
        Files.writeString(root.resolve("f"), "");
        Node f = fs.lookup(ROOT, rootNode(), "f").node();
        Set<Errno> refused = Set.of(Errno.EINVAL, Errno.ENOENT);
        List<String> names = List.of("..", ".", "../outside", "../outside/secret", "../../etc/passwd",
                "/etc/passwd", "a/b", "x\0y", "", "../root/f");
        for (String name : names) {
            String what = "name '" + name.replace("\0", "\\0") + "'";
            assertTrue(refused.contains(errnoOf(() -> fs.lookup(ROOT, rootNode(), name))), what);
            assertTrue(refused.contains(errnoOf(() -> fs.create(ROOT, rootNode(), name, O_CREAT | O_WRONLY, 0644))),
                    what);
            assertTrue(refused.contains(errnoOf(() -> fs.mkdir(ROOT, rootNode(), name, 0755))), what);
            assertTrue(refused.contains(errnoOf(() -> fs.mknod(ROOT, rootNode(), name, S_IFIFO | 0644, 0))), what);
            assertTrue(refused.contains(errnoOf(() -> fs.symlink(ROOT, rootNode(), name, "/"))), what);
            assertTrue(refused.contains(errnoOf(() -> fs.link(ROOT, f, rootNode(), name))), what);
            assertTrue(refused.contains(errnoOf(() -> fs.unlink(ROOT, rootNode(), name))), what);
            assertTrue(refused.contains(errnoOf(() -> fs.rmdir(ROOT, rootNode(), name))), what);
            assertTrue(refused.contains(errnoOf(() -> fs.rename(ROOT, rootNode(), "f", rootNode(), name, 0))), what);
            assertTrue(refused.contains(errnoOf(() -> fs.rename(ROOT, rootNode(), name, rootNode(), "g", 0))), what);
        }
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.lookup(ROOT, rootNode(), "..")));
        assertTrue(Files.exists(root.resolve("f")));
        try (Stream<Path> list = Files.list(root)) {
            assertEquals(List.of(root.resolve("f")), list.toList());
        }
    }

    @Test
    void symlinksToTheOutsideAreNeverFollowed() throws Exception {
        Files.createSymbolicLink(root.resolve("abs"), outside);
        Files.createSymbolicLink(root.resolve("rel"), Path.of("../outside"));
        Files.createSymbolicLink(root.resolve("file"), outside.resolve("secret"));
        Files.createSymbolicLink(root.resolve("slash"), Path.of("/"));
        for (String name : List.of("abs", "rel", "slash")) {
            Entry link = fs.lookup(ROOT, rootNode(), name);
            assertEquals(FileType.SYMLINK, link.attributes().type(), name);
            Node node = link.node();
            assertEquals(Errno.ENOTDIR, errnoOf(() -> fs.lookup(ROOT, node, "secret")), name);
            assertEquals(Errno.ENOTDIR, errnoOf(() -> fs.lookup(ROOT, node, "etc")), name);
            assertEquals(Errno.ENOTDIR, errnoOf(() -> fs.create(ROOT, node, "new", O_CREAT | O_WRONLY, 0644)), name);
            assertEquals(Errno.ENOTDIR, errnoOf(() -> fs.mkdir(ROOT, node, "new", 0755)), name);
            assertEquals(Errno.ENOTDIR, errnoOf(() -> fs.opendir(ROOT, node)), name);
            assertEquals(Errno.ENOTDIR, errnoOf(() -> fs.unlink(ROOT, node, "secret")), name);
            assertEquals(Errno.ENOTDIR, errnoOf(() -> fs.rename(ROOT, node, "secret", rootNode(), "stolen", 0)));
        }
        Node file = fs.lookup(ROOT, rootNode(), "file").node();
        assertEquals(Errno.EINVAL, errnoOf(() -> fs.open(ROOT, file, O_RDONLY)));
        assertEquals(Errno.EINVAL, errnoOf(() -> fs.setattr(ROOT, file, null, AttributeChanges.NONE.withSize(0))));
        assertEquals(Errno.EOPNOTSUPP, errnoOf(() -> fs.setattr(ROOT, file, null, AttributeChanges.NONE.withMode(0777))));
        assertEquals(outside.resolve("secret").toString(), fs.readlink(ROOT, file));
        assertEquals(FileType.SYMLINK, fs.getattr(ROOT, file, null).type());
        // xattr calls reach the link itself: the outside file's user.tag is not visible through it
        assertEquals(Errno.ENODATA, errnoOf(() -> fs.getxattr(ROOT, file, "user.tag", MemorySegment.NULL)));
        assertEquals(Errno.EPERM, errnoOf(() -> fs.setxattr(ROOT, file, "user.x", bytes("1"), 0)));
        assertTrue(Set.of(Errno.ENODATA, Errno.EPERM).contains(errnoOf(() -> fs.removexattr(ROOT, file, "user.tag"))));
        // times change on the link, never on its target
        fs.setattr(ROOT, file, null, AttributeChanges.NONE.withTimes(new TimeSpec(5, 0), TimeSpec.NOW));
        assertEquals(5, fs.getattr(ROOT, file, null).atimeSeconds());
        if (Posix.geteuid() == 0) {
            fs.setattr(ROOT, file, null, AttributeChanges.NONE.withOwner(1234, 1234));
            assertEquals(1234, fs.getattr(ROOT, file, null).uid());
            fs.setxattr(ROOT, file, "trusted.probe", bytes("1"), 0);
            assertEquals(1, Posix.lgetxattr(root.resolve("file").toString(), "trusted.probe", MemorySegment.NULL));
        }
    }

    @Test
    void magicLinksAreStoredNotFollowed() throws Exception {
        int fd = Posix.openat(AT_FDCWD, outside.toString(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        try {
            Files.createSymbolicLink(root.resolve("magic"), Path.of(Posix.procFdPath(fd)));
            Files.createSymbolicLink(root.resolve("self"), Path.of("/proc/self/cwd"));
            for (String name : List.of("magic", "self")) {
                Node node = fs.lookup(ROOT, rootNode(), name).node();
                assertEquals(FileType.SYMLINK, fs.getattr(ROOT, node, null).type());
                assertEquals(Errno.ENOTDIR, errnoOf(() -> fs.lookup(ROOT, node, "secret")));
                assertEquals(Errno.ENOTDIR, errnoOf(() -> fs.create(ROOT, node, "x", O_CREAT | O_WRONLY, 0644)));
            }
        } finally {
            Posix.closeQuietly(fd);
        }
    }

    @Test
    void hardLinksCannotBringOutsideFilesIn() throws Exception {
        Files.createSymbolicLink(root.resolve("toSecret"), outside.resolve("secret"));
        Node link = fs.lookup(ROOT, rootNode(), "toSecret").node();
        Entry hard = fs.link(ROOT, link, rootNode(), "hard");
        assertEquals(FileType.SYMLINK, hard.attributes().type(), "the link itself is linked, not its target");
        assertEquals(2, hard.attributes().linkCount());
        assertEquals(1, ((Number) Files.getAttribute(outside.resolve("secret"), "unix:nlink")).intValue());
        assertTrue(Files.isSymbolicLink(root.resolve("hard")));
    }

    @Test
    void aSymlinkSwappedInForADirectoryDuringARenameLoopLeadsNowhere() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")));
        Files.createDirectory(root.resolve("d"));
        Files.createSymbolicLink(root.resolve("s"), outside);
        Files.createSymbolicLink(root.resolve("t"), Path.of("../outside"));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger swaps = new AtomicInteger();
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger created = new AtomicInteger(); // files the worker made: it met the real directory
        ConcurrentHashMap<String, Throwable> unexpected = new ConcurrentHashMap<>();
        CountDownLatch started = new CountDownLatch(2);
        // The race runs for an amount of work, not a time, on any machine: rounds of each thread, and creates that
        // met the real directory between the swaps.
        int rounds = 300;

        // Swapper: through the SPI, atomically exchange the directory with a symlink to the outside, and by
        // rename-away-and-replace, over and over.
        Thread swapper = Thread.ofPlatform().name("swapper").start(() -> {
            started.countDown();
            try {
                while (!stop.get()) {
                    fs.rename(ROOT, rootNode(), "d", rootNode(), "s", RENAME_EXCHANGE);
                    fs.rename(ROOT, rootNode(), "s", rootNode(), "d", RENAME_EXCHANGE);
                    fs.rename(ROOT, rootNode(), "d", rootNode(), "d.real", 0);
                    fs.rename(ROOT, rootNode(), "t", rootNode(), "d", 0);
                    fs.rename(ROOT, rootNode(), "d", rootNode(), "t", 0);
                    fs.rename(ROOT, rootNode(), "d.real", rootNode(), "d", 0);
                    swaps.incrementAndGet();
                }
            } catch (Throwable t) {
                unexpected.put("swapper", t);
            }
        });
        // Worker: resolve "d" and create things in whatever it got, keeping nodes across swaps.
        Thread worker = Thread.ofPlatform().name("worker").start(() -> {
            started.countDown();
            List<Node> held = new ArrayList<>();
            int i = 0;
            while (!stop.get()) {
                i++;
                attempts.incrementAndGet();
                try {
                    Entry d = fs.lookup(ROOT, rootNode(), "d");
                    held.add(d.node());
                    Node target = held.get(i % held.size());
                    // Each new entry's node is given back at once, as the kernel would forget it: the loop runs
                    // tens of thousands of times on a fast machine, more nodes than the descriptor limit.
                    var file = fs.create(ROOT, target, "file-" + i, O_CREAT | O_WRONLY, 0644);
                    created.incrementAndGet();
                    fs.release(file.opened().handle());
                    fs.release(file.entry().node());
                    fs.release(fs.mkdir(ROOT, target, "dir-" + i, 0755).node());
                    fs.release(fs.symlink(ROOT, target, "sym-" + i, "x").node());
                    fs.release(fs.mknod(ROOT, target, "fifo-" + i, S_IFIFO | 0600, 0).node());
                    fs.unlink(ROOT, target, "secret");
                } catch (FuseException e) {
                    if (e.errno() != Errno.ENOENT && e.errno() != Errno.ENOTDIR) {
                        unexpected.put("worker " + e.getMessage(), e);
                    }
                } catch (Throwable t) {
                    unexpected.put("worker", t);
                }
            }
        });
        started.await(10, TimeUnit.SECONDS);
        try {
            Wait.until(Duration.ofSeconds(30), () -> rounds + " rounds of each thread and creates (swaps " + swaps
                    + ", attempts " + attempts + ", creates " + created + ")", () -> !unexpected.isEmpty()
                    || swaps.get() >= rounds && attempts.get() >= rounds && created.get() >= rounds / 10);
        } finally {
            stop.set(true);
            swapper.join(10_000);
            worker.join(10_000);
        }
        assertFalse(swapper.isAlive() || worker.isAlive(), "threads did not stop");
        assertTrue(unexpected.isEmpty(), () -> "unexpected: " + unexpected);
        try (Stream<Path> tree = Files.walk(root)) {
            assertTrue(tree.anyMatch(p -> p.getFileName().toString().startsWith("file-")),
                    "the worker created files (inside the root)");
        }
    }
}
