package fuse.posix.nodes;

import static fuse.posix.Linux.AT_FDCWD;
import static fuse.posix.Linux.EXT4_SUPER_MAGIC;
import static fuse.posix.Linux.O_CLOEXEC;
import static fuse.posix.Linux.O_DIRECTORY;
import static fuse.posix.Linux.O_NOFOLLOW;
import static fuse.posix.Linux.O_PATH;
import static fuse.posix.Linux.TMPFS_MAGIC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.posix.FileStat;
import fuse.posix.Posix;

class HostNodesTest {
    private static final int CACHED = 8;

    static final class TestNode extends HostNode {
        TestNode(Identity identity) {
            super(identity);
        }
    }

    @TempDir
    Path dir;
    private HostNodes<TestNode> nodes;
    /** The root's descriptor, and the one to open handles with. */
    private int idle;

    @BeforeEach
    void open() throws FuseException {
        nodes = HostNodes.open("test " + dir, openRoot(), CACHED, TestNode::new);
        idle = nodes.descriptors();
    }

    private int openRoot() throws FuseException {
        return Posix.openat(AT_FDCWD, dir.toString(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    }

    @AfterEach
    void close() {
        nodes.close();
    }

    private TestNode lookup(HostNodes<TestNode> cache, String name) throws FuseException {
        int fd = Posix.openat(AT_FDCWD, dir.resolve(name).toString(), O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
        return cache.node(Posix.fstat(fd), fd);
    }

    private static FileStat statOf(TestNode node) throws FuseException {
        try (NodeDescriptor d = node.descriptor()) {
            return Posix.fstat(d.fd());
        }
    }

    @Test
    void manyNodesFewDescriptors() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "opening file handles needs CAP_DAC_READ_SEARCH");
        assertTrue(nodes.usesHandles(), nodes.toString());
        List<TestNode> made = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Files.writeString(dir.resolve("f" + i), "x".repeat(i));
            made.add(lookup(nodes, "f" + i));
            assertTrue(nodes.descriptors() <= CACHED + 2, nodes.toString());
        }
        assertEquals(201, nodes.size());
        for (int i = 0; i < 200; i++) {
            assertEquals(i, statOf(made.get(i)).attributes().size(), "reopened by handle: the very file");
            assertTrue(nodes.descriptors() <= CACHED + 2, nodes.toString());
        }
        assertSame(made.get(7), lookup(nodes, "f7"), "a known file: its node");
        for (int i = 0; i < 200; i++) {
            nodes.release(made.get(i));
        }
        assertEquals(1, nodes.size());
        assertEquals(idle, nodes.descriptors(), "the root's alone");
    }

    /**
     * Files walked in order, more than the cache holds (stat after creating them): each reopen used to close the
     * least recently used descriptor, the next one the walk needed, so that every use reopened its file.
     */
    /** Pushes every descriptor the cache closes out of it: looks up more new files than it caches. */
    private void fillCache(String prefix) throws Exception {
        for (int i = 0; i < 2 * CACHED; i++) {
            Files.writeString(dir.resolve(prefix + i), "");
            lookup(nodes, prefix + i);
        }
    }

    @Test
    void aFileTakesItsHandleWhenItsDescriptorFirstCloses() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "opening file handles needs CAP_DAC_READ_SEARCH");
        Files.writeString(dir.resolve("f"), "four");
        Files.createDirectory(dir.resolve("d"));
        TestNode f = lookup(nodes, "f");
        TestNode d = lookup(nodes, "d");
        assertNull(f.handle, "a file of the root's file system takes no handle while its descriptor is open");
        assertNotNull(d.handle, "a directory takes its own at once (its mount's descriptor may be needed)");
        if (Set.of("ext2", "ext3", "ext4", "xfs").contains(Files.getFileStore(dir).type())) {
            assertSame(f, nodes.findByHandle(handleOf("f")), "found by the inode number its handle carries");
        }
        fillCache("g");
        assertFalse(f.holdsDescriptor(), nodes.toString());
        assertNotNull(f.handle, "taken before its descriptor closed");
        assertSame(f, nodes.findByHandle(handleOf("f")), "found by the handle it took");
        long before = nodes.reopened();
        assertEquals(4, statOf(f).attributes().size(), "reopened by the handle taken when it closed");
        assertEquals(1, nodes.reopened() - before);
        assertSame(f, lookup(nodes, "f"), "the same file: its node, told by its handle");
    }

    @Test
    void aNumberReusedAfterTheDescriptorClosedIsANewFile() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "opening file handles needs CAP_DAC_READ_SEARCH");
        Files.writeString(dir.resolve("old"), "old");
        TestNode old = lookup(nodes, "old");
        long number = old.inode();
        fillCache("g");
        assertFalse(old.holdsDescriptor(), nodes.toString());
        Files.delete(dir.resolve("old"));
        String reused = null;
        for (int i = 0; i < 64 && reused == null; i++) { // ext4 and tmpfs hand a freed number out again soon
            Path p = Files.writeString(dir.resolve("new" + i), "brand new");
            if (((Number) Files.getAttribute(p, "unix:ino")).longValue() == number) {
                reused = "new" + i;
            }
        }
        assumeTrue(reused != null, "the file system did not reuse inode number " + number);
        TestNode now = lookup(nodes, reused);
        assertNotSame(old, now, "another file under the old number: a new node");
        assertSame(now, nodes.find(now.device(), number));
        assertEquals(9, statOf(now).attributes().size());
        assertEquals(Errno.ESTALE, assertThrows(FuseException.class, old::descriptor).errno());
    }

    @Test
    void handlesOfTheGenericEncodingBeginWithTheInodeNumber() throws Exception {
        Files.writeString(dir.resolve("f"), "");
        long inode = ((Number) Files.getAttribute(dir.resolve("f"), "unix:ino")).longValue();
        byte[] handle = handleOf("f");
        int type = ByteBuffer.wrap(handle).order(ByteOrder.nativeOrder()).getInt(4);
        assumeTrue(type == 1 || type == 2, "not the kernel's generic encoding here (type " + type + ")");
        int dirFd = Posix.openat(AT_FDCWD, dir.toString(), O_PATH | O_CLOEXEC, 0);
        long fileSystem;
        try {
            fileSystem = Posix.fileSystemType(dirFd);
        } finally {
            Posix.closeQuietly(dirFd);
        }
        assertEquals(inode, HostNodes.inodeOf(handle, fileSystem));
        assertEquals(-1, HostNodes.inodeOf(handle, TMPFS_MAGIC), "another file system's layout");
        handle[4] = (byte) 0x4d; // btrfs's own type
        assertEquals(-1, HostNodes.inodeOf(handle, fileSystem));
        assertEquals(-1, HostNodes.inodeOf(new byte[4], fileSystem));
    }

    @Test
    void tmpfsHandlesCarryTheInodeNumberAfterTheGeneration() throws Exception {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && "tmpfs".equals(Files.getFileStore(shm).type()), "no tmpfs at /dev/shm");
        Path file = Files.createTempFile(shm, "hostnodes", "");
        try {
            long inode = ((Number) Files.getAttribute(file, "unix:ino")).longValue();
            byte[] handle = Posix.nameToHandleAt(AT_FDCWD, file.toString(), 0).bytes();
            assertEquals(inode, HostNodes.inodeOf(handle, TMPFS_MAGIC));
            assertEquals(-1, HostNodes.inodeOf(handle, EXT4_SUPER_MAGIC), "another file system's layout");
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void aWalkOfMoreFilesThanCachedReusesTheCachedOnes() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "opening file handles needs CAP_DAC_READ_SEARCH");
        List<TestNode> made = new ArrayList<>();
        for (int i = 0; i < 2 * CACHED; i++) {
            Files.writeString(dir.resolve("f" + i), "x".repeat(i));
            made.add(lookup(nodes, "f" + i));
        }
        for (int pass = 0; pass < 3; pass++) {
            long before = nodes.reopened();
            for (int i = 0; i < made.size(); i++) {
                assertEquals(i, statOf(made.get(i)).attributes().size());
                assertTrue(nodes.descriptors() <= CACHED + 3, nodes.toString());
            }
            long reopened = nodes.reopened() - before;
            assertTrue(reopened <= CACHED + 2, "pass " + pass + ": " + reopened + " of " + made.size()
                    + " reopened, " + nodes);
        }
    }

    @Test
    void filesUsedOverAndOverGetInWhileTheCacheIsFullOfOthers() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "opening file handles needs CAP_DAC_READ_SEARCH");
        List<TestNode> made = new ArrayList<>();
        for (int i = 0; i < 3 * CACHED; i++) {
            Files.writeString(dir.resolve("f" + i), "");
            made.add(lookup(nodes, "f" + i));
        }
        TestNode a = made.get(0);
        TestNode b = made.get(1);
        for (int round = 0; round < HostNodes.ADMIT_EVERY; round++) {
            statOf(a);
            statOf(b);
        }
        long before = nodes.reopened();
        for (int round = 0; round < 10; round++) {
            statOf(a);
            statOf(b);
        }
        assertEquals(0, nodes.reopened() - before, nodes.toString());
    }

    @Test
    void aFileGoneMeanwhileIsStale() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "opening file handles needs CAP_DAC_READ_SEARCH");
        Files.writeString(dir.resolve("gone"), "x");
        TestNode gone = lookup(nodes, "gone");
        for (int i = 0; i < 2 * CACHED; i++) {
            Files.writeString(dir.resolve("f" + i), "");
            lookup(nodes, "f" + i);
        }
        Files.delete(dir.resolve("gone"));
        assertEquals(Errno.ESTALE, assertThrows(FuseException.class, gone::descriptor).errno());
        Files.writeString(dir.resolve("gone"), "new");
        TestNode again = lookup(nodes, "gone");
        assertNotSame(gone, again, "a new file: a new node, whatever its inode number");
        assertEquals(3, statOf(again).attributes().size());
    }

    @Test
    void aReleasedNodeIsStaleAndTheFileGetsANewOne() throws Exception {
        Files.writeString(dir.resolve("f"), "x");
        TestNode f = lookup(nodes, "f");
        nodes.release(f);
        assertNotSame(f, lookup(nodes, "f"), "released: a lookup makes a new node");
        nodes.release(lookup(nodes, "f"));
        assertEquals(Errno.ESTALE, assertThrows(FuseException.class, f::descriptor).errno());
        assertEquals(idle, nodes.descriptors());
    }

    @Test
    void aNodeTakenBackBeforeAnyoneElseGotItLeavesTheCache() throws Exception {
        Files.writeString(dir.resolve("f"), "x");
        TestNode f = lookup(nodes, "f");
        nodes.takeBack(f);
        assertEquals(1, nodes.size(), "the root alone");
        assertEquals(idle, nodes.descriptors());
        assertEquals(Errno.ESTALE, assertThrows(FuseException.class, f::descriptor).errno());
        TestNode again = lookup(nodes, "f");
        assertNotSame(f, again, "a lookup makes a new node");
        nodes.takeBack(nodes.root());
        assertEquals(2, nodes.size(), "the root is never taken back");
    }

    @Test
    void aNodeAnsweredToAnotherLookupMeanwhileStaysForTheMountToRelease() throws Exception {
        Files.writeString(dir.resolve("f"), "x");
        TestNode made = lookup(nodes, "f");
        assertSame(made, lookup(nodes, "f"), "another lookup got it, and may have handed it to the mount");
        nodes.takeBack(made);
        assertSame(made, lookup(nodes, "f"), "still the file's node");
        assertEquals(1, statOf(made).attributes().size());
        nodes.release(made);
        assertEquals(1, nodes.size());
    }

    @Test
    void aDescriptorInUseStaysOpenPastTheBoundAndItsRelease() throws Exception {
        Files.writeString(dir.resolve("held"), "held");
        TestNode held = lookup(nodes, "held");
        try (NodeDescriptor d = held.descriptor()) {
            for (int i = 0; i < 4 * CACHED; i++) {
                Files.writeString(dir.resolve("f" + i), "");
                lookup(nodes, "f" + i);
            }
            nodes.release(held);
            assertEquals(4, Posix.fstat(d.fd()).attributes().size(), "still the held file");
        }
        assertEquals(Errno.ESTALE, assertThrows(FuseException.class, held::descriptor).errno());
    }

    @Test
    void withoutHandlesNodesHoldTheirDescriptorsUpToTheBound() throws Exception {
        try (HostNodes<TestNode> held = HostNodes.open("no handles", openRoot(), CACHED, TestNode::new, false)) {
            List<TestNode> made = new ArrayList<>();
            for (int i = 0; i < CACHED; i++) {
                Files.writeString(dir.resolve("f" + i), "");
                made.add(held.node(Posix.fstatat(AT_FDCWD, dir.resolve("f" + i).toString(), 0),
                        Posix.openat(AT_FDCWD, dir.resolve("f" + i).toString(), O_PATH | O_CLOEXEC, 0)));
            }
            assertEquals(CACHED + 1, held.descriptors());
            Files.writeString(dir.resolve("more"), "");
            FuseException full = assertThrows(FuseException.class, () -> lookup(held, "more"));
            assertEquals(Errno.ENFILE, full.errno());
            assertEquals(CACHED + 1, held.descriptors(), "the refused one's descriptor was closed");
            assertSame(made.get(0), lookup(held, "f0"), "a known file still resolves");
            held.release(made.get(0));
            lookup(held, "more");
        }
    }

    @Test
    void aNodeIsFoundByItsHandleWhileTheMountHoldsIt() throws Exception {
        assumeTrue(nodes.usesHandles(), "no file handles here (needs CAP_DAC_READ_SEARCH)");
        Files.writeString(dir.resolve("f"), "x");
        Files.writeString(dir.resolve("g"), "y");
        byte[] handle = handleOf("f");
        TestNode f = lookup(nodes, "f");
        assertSame(f, nodes.findByHandle(handle), "what a watch's event names, found without opening it");
        assertSame(nodes.root(), nodes.findByHandle(handleOf(".")));
        assertNull(nodes.findByHandle(handleOf("g")), "a file the mount does not hold");
        nodes.release(f);
        assertNull(nodes.findByHandle(handle), "released");
        TestNode again = lookup(nodes, "f");
        nodes.takeBack(again);
        assertNull(nodes.findByHandle(handle), "taken back");
        assertSame(lookup(nodes, "f"), nodes.findByHandle(handle));
    }

    @Test
    void withoutHandlesNothingIsFoundByHandle() throws Exception {
        assumeTrue(nodes.usesHandles(), "no file handles here (needs CAP_DAC_READ_SEARCH)");
        Files.writeString(dir.resolve("f"), "x");
        try (HostNodes<TestNode> held = HostNodes.open("no handles", openRoot(), CACHED, TestNode::new, false)) {
            TestNode f = lookup(held, "f");
            assertSame(f, lookup(held, "f"));
            assertNull(held.findByHandle(handleOf("f")));
        }
    }

    private byte[] handleOf(String name) throws FuseException {
        return Posix.nameToHandleAt(AT_FDCWD, dir.resolve(name).toString(), 0).bytes();
    }
}
