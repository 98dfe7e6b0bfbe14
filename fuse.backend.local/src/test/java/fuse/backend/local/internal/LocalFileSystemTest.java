package fuse.backend.local.internal;

import static fuse.posix.Linux.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import fuse.api.AttributeChanges;
import fuse.api.Caller;
import fuse.api.Created;
import fuse.api.Entry;
import fuse.api.Errno;
import fuse.api.FileSystem;
import fuse.api.FuseException;
import fuse.api.Handle;
import fuse.api.Node;
import fuse.api.OpenOption;
import fuse.api.Opened;
import fuse.posix.Posix;
import fuse.posix.PosixException;
import fuse.posix.nodes.NodeDescriptor;
import fuse.testkit.TestCaller;
import fuse.testkit.TestMountContext;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LocalFileSystemTest {
    private static final Caller ROOT = TestCaller.root(022);
    private static final Caller USER = new TestCaller(1000, 1000, 1, 022);

    @TempDir
    Path dir;

    private LocalFileSystem fs;
    private Arena arena;

    @BeforeEach
    void open() throws FuseException {
        fs = open(Map.of("root", dir.toString()));
        arena = Arena.ofConfined();
    }

    @AfterEach
    void close() {
        fs.close();
        arena.close();
    }

    private static LocalFileSystem open(Map<String, Object> configuration) throws FuseException {
        return LocalFileSystem.open(Settings.parse(configuration));
    }

    private static Errno errnoOf(Executable call) {
        return assertThrows(FuseException.class, call).errno();
    }

    private static boolean root() {
        return Posix.geteuid() == 0;
    }

    private Entry lookup(String name) throws FuseException {
        return fs.lookup(ROOT, fs.root(), name);
    }

    private MemorySegment bytes(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return arena.allocateFrom(JAVA_BYTE, b);
    }

    private static int permissions(Path path) throws Exception {
        return (int) Files.getAttribute(path, "unix:mode") & 07777;
    }

    // ------------------------------------------------------------------------------------------ configuration

    @Test
    void configurationErrorsNameTheRoot() throws Exception {
        Path missing = dir.resolve("missing");
        FuseException e = assertThrows(FuseException.class, () -> open(Map.of("root", missing.toString())));
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals("root: " + missing + " does not exist", e.getMessage());

        Files.writeString(dir.resolve("file"), "");
        e = assertThrows(FuseException.class, () -> open(Map.of("root", dir.resolve("file").toString())));
        assertEquals(Errno.ENOTDIR, e.errno());
        assertEquals("root: " + dir.resolve("file") + " is not a directory", e.getMessage());

        e = assertThrows(FuseException.class,
                () -> new LocalBackend().open(TestMountContext.of(Map.of("policy", "never"))));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().startsWith("root: "));
    }

    @Test
    void theBackendServiceOpensOneFileSystemPerMount() throws Exception {
        Files.writeString(dir.resolve("f"), "x");
        try (FileSystem a = new LocalBackend().open(TestMountContext.of(Map.of("root", dir.toString())));
                FileSystem b = new LocalBackend()
                        .open(TestMountContext.of(Map.of("root", dir.toString(), "policy", "never")))) {
            Entry entry = a.lookup(ROOT, a.root(), "f");
            assertInstanceOf(Opened.Passthrough.class, a.open(ROOT, entry.node(), O_RDONLY));
            Entry other = b.lookup(ROOT, b.root(), "f");
            assertInstanceOf(Opened.Served.class, b.open(ROOT, other.node(), O_RDONLY));
        }
    }


    // ----------------------------------------------------------------------------------------------- nodes

    @Test
    void nodesAreDeduplicatedByInodeAndCountedLikeLookups() throws Exception {
        Files.writeString(dir.resolve("f"), "x");
        Files.createLink(dir.resolve("g"), dir.resolve("f"));
        Entry first = lookup("f");
        Entry second = lookup("f");
        Entry viaLink = lookup("g");
        assertSame(first.node(), second.node());
        assertSame(first.node(), viaLink.node(), "a hard link is the same node");
        assertEquals(2, fs.nodeCount());
        LocalNode node = (LocalNode) first.node();
        int fd = fdOf(node);
        assertTrue(isOpathOf(fd, dir.resolve("f")));

        fs.release(node);
        assertEquals(1, fs.nodeCount(), "released once, however often it was looked up: only the root is left");
        assertEquals(Errno.ESTALE, errnoOf(() -> fdOf(node)));
        assertFalse(isOpathOf(fd, dir.resolve("f")), "the O_PATH descriptor was closed");

        Entry again = lookup("f");
        assertNotSame(node, again.node());
        assertEquals(node.inode(), ((LocalNode) again.node()).inode(), "a new node for the same file");
        fs.release(again.node());
    }

    /** The node's descriptor number (for a moment: the cache may close it after the use). */
    static int fdOf(LocalNode node) throws FuseException {
        try (NodeDescriptor d = node.descriptor()) {
            return d.fd();
        }
    }

    private static boolean isOpathOf(int fd, Path file) {
        try {
            return Posix.readlinkat(AT_FDCWD, Posix.procFdPath(fd)).equals(file.toString())
                    && (Posix.fcntl(fd, F_GETFL, 0) & O_PATH) != 0;
        } catch (PosixException e) {
            return false;
        }
    }

    @Test
    void theRootIsNeverReleased() throws Exception {
        Node root = fs.root();
        fs.release(root);
        fs.mkdir(ROOT, root, "d", 0755);
        Entry d = lookup("d");
        assertEquals(2, fs.nodeCount());
        fs.release(d.node());
        assertEquals(1, fs.nodeCount());
        assertTrue(fs.getattr(ROOT, root, null).isDirectory());
    }

    @Test
    void inodeNumbersAndLinkCountsReflectTheHost() throws Exception {
        Files.createDirectories(dir.resolve("d/e"));
        Files.writeString(dir.resolve("f"), "x");
        Files.createLink(dir.resolve("f2"), dir.resolve("f"));
        Entry f = lookup("f");
        assertEquals(Files.getAttribute(dir.resolve("f"), "unix:ino"), f.attributes().inode());
        assertEquals(2, f.attributes().linkCount());
        Entry d = lookup("d");
        assertEquals(3, d.attributes().linkCount());
        assertEquals(Files.getAttribute(dir, "unix:ino"), fs.getattr(ROOT, fs.root(), null).inode());
        fs.release(f.node());
        fs.release(d.node());
    }

    @Test
    void foreignNodesAndHandlesAreRefused() {
        Node foreign = new Node() {
        };
        Handle handle = new Handle() {
        };
        assertEquals(Errno.ESTALE, errnoOf(() -> fs.getattr(ROOT, foreign, null)));
        assertEquals(Errno.ESTALE, errnoOf(() -> fs.lookup(ROOT, foreign, "x")));
        assertEquals(Errno.EBADF, errnoOf(() -> fs.read(ROOT, handle, 0, arena.allocate(1))));
        fs.release(foreign);
        fs.release(handle);
    }

    @Test
    void closingReleasesEveryDescriptor() throws Exception {
        Files.writeString(dir.resolve("f"), "x");
        LocalNode f = (LocalNode) lookup("f").node();
        LocalNode root = (LocalNode) fs.root();
        fs.close();
        assertEquals(Errno.ESTALE, errnoOf(() -> fdOf(f)));
        assertEquals(Errno.ESTALE, errnoOf(() -> fdOf(root)));
        assertEquals(Errno.ESTALE, errnoOf(() -> lookup("f")));
    }

    // -------------------------------------------------------------------------------------- kinds of nodes

    @Test
    void operationsOnTheWrongKindOfNode() throws Exception {
        Files.writeString(dir.resolve("f"), "x");
        Files.createDirectory(dir.resolve("d"));
        Posix.mknodat(AT_FDCWD, dir.resolve("fifo").toString(), S_IFIFO | 0600, 0);
        Node f = lookup("f").node();
        Node d = lookup("d").node();
        Node fifo = lookup("fifo").node();
        assertEquals(Errno.EISDIR, errnoOf(() -> fs.open(ROOT, d, O_RDONLY)));
        assertEquals(Errno.EINVAL, errnoOf(() -> fs.open(ROOT, fifo, O_RDONLY)));
        assertEquals(Errno.ENOTDIR, errnoOf(() -> fs.opendir(ROOT, f)));
        assertEquals(Errno.ENOTDIR, errnoOf(() -> fs.lookup(ROOT, f, "x")));
        assertEquals(Errno.ENOTDIR, errnoOf(() -> fs.create(ROOT, f, "x", O_WRONLY, 0644)));
        assertEquals(Errno.EINVAL, errnoOf(() -> fs.readlink(ROOT, f)));
        assertEquals(Errno.EISDIR, errnoOf(() -> fs.setattr(ROOT, d, null, AttributeChanges.NONE.withSize(0))));
        assertEquals(Errno.EINVAL, errnoOf(() -> fs.lseek(ROOT, opened(f, O_RDONLY).handle(), 0, SEEK_SET)));
    }

    private Opened opened(Node node, int flags) throws FuseException {
        return fs.open(ROOT, node, flags);
    }

    // ------------------------------------------------------------------------------------ identity and modes

    @Test
    void newFilesGetExactlyModeMinusTheCallersUmask() throws Exception {
        int previous = Posix.umask(022);
        try {
            Caller noUmask = TestCaller.root(0);
            fs.mkdir(noUmask, fs.root(), "d", 0777);
            fs.mknod(noUmask, fs.root(), "fifo", S_IFIFO | 0666, 0);
            Created c = fs.create(noUmask, fs.root(), "f", O_CREAT | O_WRONLY, 0666);
            fs.release(c.opened().handle());
            assertEquals(0666, c.entry().attributes().permissions());
            assertEquals(0777, permissions(dir.resolve("d")));
            assertEquals(0666, permissions(dir.resolve("fifo")));
            assertEquals(0666, permissions(dir.resolve("f")));

            Caller strict = TestCaller.root(077);
            Created s = fs.create(strict, fs.root(), "s", O_CREAT | O_WRONLY, 0666);
            fs.release(s.opened().handle());
            assertEquals(0600, permissions(dir.resolve("s")));
            fs.mkdir(TestCaller.root(0), fs.root(), "sticky", 01777);
            assertEquals(01777, permissions(dir.resolve("sticky")));
        } finally {
            Posix.umask(previous);
        }
    }

    @Test
    void createWithoutExclusiveOpensAFileThatAppearedMeanwhile() throws Exception {
        Files.writeString(dir.resolve("f"), "existing");
        Files.setPosixFilePermissions(dir.resolve("f"), PosixFilePermissions.fromString("rw-------"));
        Created c = fs.create(ROOT, fs.root(), "f", O_CREAT | O_RDWR, 0666);
        MemorySegment buffer = arena.allocate(16);
        assertEquals(8, fs.read(ROOT, c.opened().handle(), 0, buffer));
        fs.release(c.opened().handle());
        assertEquals(0600, permissions(dir.resolve("f")), "an existing file keeps its mode");
        assertEquals(Errno.EEXIST, errnoOf(() -> fs.create(ROOT, fs.root(), "f", O_CREAT | O_EXCL | O_RDWR, 0666)));
        fs.release(c.entry().node());
        assertEquals(1, fs.nodeCount());
    }

    @Test
    void createsRunAsTheCaller() throws Exception {
        assumeTrue(root(), "needs root to act as another user");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Created c = fs.create(USER, fs.root(), "f", O_CREAT | O_WRONLY, 0640);
        fs.release(c.opened().handle());
        assertEquals(1000, c.entry().attributes().uid());
        assertEquals(1000, c.entry().attributes().gid());
        assertEquals(0, Posix.setfsuid(-1), "credentials restored");
        Entry link = fs.symlink(USER, fs.root(), "l", "f");
        assertEquals(1000, link.attributes().uid());

        // set-group-ID directories hand down their group, as on the host
        Files.createDirectory(dir.resolve("team"));
        Posix.fchownat(AT_FDCWD, dir.resolve("team").toString(), 0, 4242, 0);
        Posix.fchmodat(AT_FDCWD, dir.resolve("team").toString(), 02777, 0);
        Entry team = lookup("team");
        Entry sub = fs.mkdir(USER, team.node(), "sub", 0755);
        assertEquals(4242, sub.attributes().gid());
        assertEquals(02755, sub.attributes().permissions());
    }

    @Test
    void createsAsAnotherUserRefuseVirtualThreadsClearly() throws Exception {
        assumeTrue(root(), "needs root to act as another user");
        FuseException[] thrown = new FuseException[1];
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                fs.mkdir(USER, fs.root(), "v", 0755);
            } catch (FuseException e) {
                thrown[0] = e;
            }
        });
        assertTrue(t.join(java.time.Duration.ofSeconds(10)));
        assertEquals(Errno.EIO, thrown[0].errno());
        assertTrue(thrown[0].getMessage().contains("platform thread"));
        assertFalse(Files.exists(dir.resolve("v")));
    }

    @Test
    void accessIsCheckedAsTheCaller() throws Exception {
        assumeTrue(root(), "needs root to act as another user");
        Files.writeString(dir.resolve("secret"), "");
        Files.setPosixFilePermissions(dir.resolve("secret"), PosixFilePermissions.fromString("rw-------"));
        Node secret = lookup("secret").node();
        fs.access(ROOT, secret, R_OK | W_OK);
        assertEquals(Errno.EACCES, errnoOf(() -> fs.access(USER, secret, R_OK)));
        fs.access(USER, secret, F_OK);
    }

    // ----------------------------------------------------------------------------------------- privileges

    private static final byte[] CAPABILITY = {
        0, 0, 0, 2, // VFS_CAP_REVISION_2, little-endian 0x02000000
        0, 4, 0, 0, // permitted[0]: CAP_NET_BIND_SERVICE (bit 10)
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

    private Node privilegedFile(String name, String mode) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, "binary");
        Posix.setxattr(file.toString(), "security.capability", arena.allocateFrom(JAVA_BYTE, CAPABILITY), 0);
        Posix.fchmodat(AT_FDCWD, file.toString(), Integer.parseInt(mode, 8), 0);
        return lookup(name).node();
    }

    private boolean hasCapability(String name) {
        try {
            Posix.getxattr(dir.resolve(name).toString(), "security.capability", MemorySegment.NULL);
            return true;
        } catch (PosixException e) {
            assertEquals(Errno.ENODATA, e.errno());
            return false;
        }
    }

    @Test
    void unprivilegedWriteOpensDropSetIdBitsAndCapabilities() throws Exception {
        assumeTrue(root(), "setting security.capability needs CAP_SETFCAP");
        Node suid = privilegedFile("suid", "6755");
        fs.release(fs.open(ROOT, suid, O_WRONLY).handle());
        assertEquals(06755, permissions(dir.resolve("suid")), "root keeps them");
        assertTrue(hasCapability("suid"));
        fs.release(fs.open(USER, suid, O_RDONLY).handle());
        assertEquals(06755, permissions(dir.resolve("suid")), "reading keeps them");

        fs.release(fs.open(USER, suid, O_RDWR).handle());
        assertEquals(0755, permissions(dir.resolve("suid")));
        assertFalse(hasCapability("suid"));

        Node lockable = privilegedFile("lockable", "2644");
        fs.release(fs.open(USER, lockable, O_WRONLY).handle());
        assertEquals(02644, permissions(dir.resolve("lockable")), "set-group-ID without group execute stays");
    }

    @Test
    void writesAndSetattrFlaggedKillPrivileges() throws Exception {
        assumeTrue(root(), "setting security.capability needs CAP_SETFCAP");
        Node file = privilegedFile("w", "4755");
        Opened opened = fs.open(ROOT, file, O_RDWR);
        fs.write(ROOT, opened.handle(), 0, bytes("x"), false);
        assertEquals(04755, permissions(dir.resolve("w")));
        fs.write(ROOT, opened.handle(), 0, bytes("y"), true);
        assertEquals(0755, permissions(dir.resolve("w")));
        assertFalse(hasCapability("w"));
        fs.release(opened.handle());

        Node other = privilegedFile("t", "6775");
        AttributeChanges truncate = new AttributeChanges(null, null, null, 0L, null, null, null, true);
        assertEquals(0775, fs.setattr(ROOT, other, null, truncate).permissions());
        assertEquals(0, Files.size(dir.resolve("t")));
        assertFalse(hasCapability("t"));
    }

    // --------------------------------------------------------------------------------------------- policy

    @Test
    void policyRulesDecidePerOpen() throws Exception {
        fs.close();
        Map<String, Object> config = new HashMap<>(Map.of("root", dir.toString(), "policy", "rules",
                "rules", new String[] {"*.log:java", "size>1K & write:java", "*:passthrough"}));
        fs = open(config);
        Files.writeString(dir.resolve("big.bin"), "x".repeat(2048));
        Created log = fs.create(ROOT, fs.root(), "app.log", O_CREAT | O_WRONLY, 0644);
        Created bin = fs.create(ROOT, fs.root(), "small.bin", O_CREAT | O_WRONLY, 0644);
        assertInstanceOf(Opened.Served.class, log.opened());
        assertInstanceOf(Opened.Passthrough.class, bin.opened());
        Node big = lookup("big.bin").node();
        assertInstanceOf(Opened.Passthrough.class, fs.open(ROOT, big, O_RDONLY));
        assertInstanceOf(Opened.Served.class, fs.open(ROOT, big, O_RDWR));
        assertInstanceOf(Opened.Passthrough.class, fs.open(ROOT, big, O_RDWR | O_TRUNC),
                "size is measured after O_TRUNC");

        // Renamed on the host: the rule sees where the file is now.
        Files.move(dir.resolve("small.bin"), dir.resolve("now.log"));
        assertInstanceOf(Opened.Served.class, fs.open(ROOT, bin.entry().node(), O_RDONLY));
    }

    @Test
    void passthroughHandsTheKernelTheOpenFileAndStillServesIo() throws Exception {
        Created c = fs.create(ROOT, fs.root(), "f", O_CREAT | O_RDWR, 0644);
        Opened.Passthrough p = assertInstanceOf(Opened.Passthrough.class, c.opened());
        assertEquals(Set.of(OpenOption.KEEP_CACHE), withoutNoFlush(p.options()),
                "KEEP_CACHE for when the open ends up served (the mount drops it for passthrough), nothing else");
        assertTrue(p.options().contains(OpenOption.NOFLUSH), "the test directory is on ext4 or tmpfs: no FLUSH");
        assertEquals(c.entry().attributes().inode(), Posix.fstat(p.backingFd()).inode());
        assertEquals(O_RDWR, Posix.fcntl(p.backingFd(), F_GETFL, 0) & O_ACCMODE);
        assertEquals(5, fs.write(ROOT, p.handle(), 0, bytes("hello"), false));
        MemorySegment buffer = arena.allocate(8);
        assertEquals(5, fs.read(ROOT, p.handle(), 0, buffer));
        fs.flush(ROOT, p.handle());
        fs.fsync(ROOT, p.handle(), true);
        fs.release(p.handle());
        assertEquals(Errno.EBADF, errnoOf(() -> Posix.fstat(p.backingFd())), "released with the handle");
        assertEquals(Errno.EBADF, errnoOf(() -> fs.read(ROOT, p.handle(), 0, buffer)), "a released handle is dead");
        assertEquals("hello", Files.readString(dir.resolve("f")));
    }

    @Test
    void reconfigureChangesThePolicyForNewOpensOnly() throws Exception {
        Files.writeString(dir.resolve("f"), "data");
        Node f = lookup("f").node();
        Opened before = fs.open(ROOT, f, O_RDONLY);
        assertInstanceOf(Opened.Passthrough.class, before);

        fs.reconfigure(Map.of("root", dir.toString(), "policy", "never"));
        assertInstanceOf(Opened.Served.class, fs.open(ROOT, f, O_RDONLY));
        assertEquals(4, fs.read(ROOT, before.handle(), 0, arena.allocate(8)), "open handles keep working");

        FuseException bad = assertThrows(FuseException.class,
                () -> fs.reconfigure(Map.of("root", dir.toString(), "policy", "rules", "rules", "*.x:maybe")));
        assertEquals(Errno.EINVAL, bad.errno());
        assertEquals("rules[0]: '*.x:maybe': decision must be passthrough or java, got 'maybe'", bad.getMessage());
        FuseException moved = assertThrows(FuseException.class,
                () -> fs.reconfigure(Map.of("root", "/elsewhere", "policy", "always")));
        assertTrue(moved.getMessage().startsWith("root: changing the root"), moved.getMessage());
        assertInstanceOf(Opened.Served.class, fs.open(ROOT, f, O_RDONLY), "failed updates change nothing");
    }

    @Test
    void directIoOpensWorkWithUnalignedBuffers() throws Exception {
        Files.writeString(dir.resolve("f"), "0123456789".repeat(1000));
        Node f = lookup("f").node();
        Opened pass = fs.open(ROOT, f, O_RDWR | O_DIRECT);
        Opened.Passthrough p = assertInstanceOf(Opened.Passthrough.class, pass);
        assertEquals(O_DIRECT, Posix.fcntl(p.backingFd(), F_GETFL, 0) & O_DIRECT, "the kernel gets O_DIRECT");
        MemorySegment unaligned = arena.allocate(4096 + 3, 4096).asSlice(3, 10);
        assertEquals(10, fs.read(ROOT, pass.handle(), 1, unaligned), "fallback reads need no alignment");
        assertEquals("1234567890", new String(unaligned.toArray(JAVA_BYTE), StandardCharsets.UTF_8));
        assertEquals(2, fs.write(ROOT, pass.handle(), 3, bytes("ab"), false));
        fs.release(pass.handle());

        fs.reconfigure(Map.of("root", dir.toString(), "policy", "never"));
        Opened served = fs.open(ROOT, f, O_RDONLY | O_DIRECT);
        assertEquals(java.util.Set.of(OpenOption.DIRECT_IO), withoutNoFlush(served.options()));
        assertEquals(10, fs.read(ROOT, served.handle(), 0, unaligned));
        assertEquals("012ab56789", new String(unaligned.toArray(JAVA_BYTE), StandardCharsets.UTF_8));
        fs.release(served.handle());
    }

    // ------------------------------------------------------------------------------------------ open flags

    @Test
    void openFlagsReachTheHostFile() throws Exception {
        Files.writeString(dir.resolve("f"), "0123456789");
        Node f = lookup("f").node();
        fs.reconfigure(Map.of("root", dir.toString(), "policy", "never"));
        Opened append = fs.open(ROOT, f, O_WRONLY | O_APPEND);
        fs.write(ROOT, append.handle(), 0, bytes("ab"), false);
        fs.release(append.handle());
        assertEquals("0123456789ab", Files.readString(dir.resolve("f")));

        Opened truncating = fs.open(ROOT, f, O_WRONLY | O_TRUNC | O_NOFOLLOW);
        assertEquals(0, fs.getattr(ROOT, f, truncating.handle()).size());
        fs.setattr(ROOT, f, truncating.handle(), AttributeChanges.NONE.withSize(7));
        assertEquals(7, Files.size(dir.resolve("f")));
        fs.release(truncating.handle());

        Opened readOnly = fs.open(ROOT, f, O_RDONLY);
        assertEquals(Errno.EBADF, errnoOf(() -> fs.write(ROOT, readOnly.handle(), 0, bytes("x"), false)));
        fs.setattr(ROOT, f, readOnly.handle(), AttributeChanges.NONE.withSize(2));
        assertEquals(2, Files.size(dir.resolve("f")), "truncation by a read-only handle goes by the node");
        fs.release(readOnly.handle());
    }

    @Test
    void directoryHandlesSyncAndRelease() throws Exception {
        Files.writeString(dir.resolve("f"), "");
        Handle handle = fs.opendir(ROOT, fs.root());
        fs.fsyncdir(ROOT, handle, false);
        fs.fsyncdir(ROOT, handle, true);
        List<String> names = new java.util.ArrayList<>();
        fs.readdir(ROOT, fs.root(), handle, 0, (name, inode, type, next) -> names.add(name));
        assertEquals(java.util.Set.of(".", "..", "f"), java.util.Set.copyOf(names));
        fs.releasedir(handle);
        assertEquals(Errno.EBADF, errnoOf(() -> fs.readdir(ROOT, fs.root(), handle, 0, (n, i, t, o) -> true)));
        assertEquals(Errno.EBADF, errnoOf(() -> fs.fsyncdir(ROOT, new Handle() {
        }, false)));
    }

    /** The kernel may always cache a listing; it keeps an earlier open's copy only while nothing changed. */
    @Test
    void listingsAreKeptOnlyWhileTheDirectoryIsUnchanged() throws Exception {
        Files.createDirectory(dir.resolve("d"));
        Node d = lookup("d").node();
        assertEquals(java.util.Set.of(OpenOption.CACHE_DIR), cachingOfAnOpen(d), "nothing cached yet to keep");
        assertEquals(java.util.Set.of(OpenOption.CACHE_DIR, OpenOption.KEEP_CACHE), cachingOfAnOpen(d));
        assertEquals(java.util.Set.of(OpenOption.CACHE_DIR, OpenOption.KEEP_CACHE), cachingOfAnOpen(d));

        Files.createFile(dir.resolve("d/new"));
        assertEquals(java.util.Set.of(OpenOption.CACHE_DIR), cachingOfAnOpen(d), "an entry added on the host");
        assertEquals(java.util.Set.of(OpenOption.CACHE_DIR, OpenOption.KEEP_CACHE), cachingOfAnOpen(d));
        Files.move(dir.resolve("d/new"), dir.resolve("d/renamed"));
        assertEquals(java.util.Set.of(OpenOption.CACHE_DIR), cachingOfAnOpen(d), "an entry renamed on the host");
        Files.delete(dir.resolve("d/renamed"));
        assertEquals(java.util.Set.of(OpenOption.CACHE_DIR), cachingOfAnOpen(d), "an entry removed on the host");
        Files.writeString(dir.resolve("f"), "x");
        assertEquals(java.util.Set.of(), fs.directoryCaching(lookup("f").node(), new Handle() {
        }), "not one of its directory handles");
        fs.release(d);
    }

    private java.util.Set<OpenOption> cachingOfAnOpen(Node directory) throws FuseException {
        Handle handle = fs.opendir(ROOT, directory);
        try {
            return fs.directoryCaching(directory, handle);
        } finally {
            fs.releasedir(handle);
        }
    }

    /** A name looked up again goes to the node the mount holds, with the file's current attributes. */
    @Test
    void aNameLookedUpAgainFindsItsNodeAndFreshAttributes() throws Exception {
        Files.writeString(dir.resolve("f"), "x");
        Entry first = lookup("f");
        Files.writeString(dir.resolve("f"), "longer");
        Entry again = lookup("f");
        assertSame(first.node(), again.node());
        assertEquals(6, again.attributes().size());
        assertEquals(2, fs.nodeCount());

        Files.move(dir.resolve("f"), dir.resolve("old"));
        Files.writeString(dir.resolve("f"), "other file");
        Entry replaced = lookup("f");
        assertNotSame(first.node(), replaced.node(), "the name now leads to another file");
        assertEquals(Files.getAttribute(dir.resolve("f"), "unix:ino"), replaced.attributes().inode());
        assertTrue(isOpathOf(fdOf((LocalNode) replaced.node()), dir.resolve("f")));
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.lookup(ROOT, fs.root(), "missing")));
        fs.release(first.node());
        fs.release(replaced.node());
        assertEquals(1, fs.nodeCount());
    }

    /**
     * A directory's lookups go the way its last one went: open first while names are new, stat first once one
     * found a known node. Either way the answer is the right node, and a known node opened again leaves no
     * descriptor behind.
     */
    @Test
    void lookupsFollowWhatTheDirectorysLastLookupFound() throws Exception {
        Files.writeString(dir.resolve("a"), "x");
        Files.writeString(dir.resolve("b"), "y");
        Files.createLink(dir.resolve("a2"), dir.resolve("a"));
        LocalNode root = (LocalNode) fs.root();
        assertFalse(root.lookupsFindKnown, "a directory starts out with new names");

        LocalNode a = (LocalNode) lookup("a").node();
        assertFalse(root.lookupsFindKnown);
        long descriptors = openDescriptors();
        assertSame(a, lookup("a").node(), "opened again: the node the mount holds");
        assertEquals(descriptors, openDescriptors(), "the second descriptor was closed");
        assertTrue(root.lookupsFindKnown);

        Entry b = lookup("b");
        assertNotSame(a, b.node());
        assertTrue(isOpathOf(fdOf((LocalNode) b.node()), dir.resolve("b")), "a new name gets its own node");
        assertFalse(root.lookupsFindKnown);

        assertSame(a, lookup("a2").node(), "a hard link to a known node");
        assertTrue(root.lookupsFindKnown);
        descriptors = openDescriptors();
        assertSame(a, lookup("a").node());
        assertEquals(descriptors, openDescriptors(), "a stat, no descriptor");
        assertEquals(3, fs.nodeCount());
        fs.release(a);
        fs.release(b.node());
        assertEquals(1, fs.nodeCount());
    }

    private static long openDescriptors() throws java.io.IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void statfsAndXattrsOfTheRoot() throws Exception {
        assertEquals(Posix.statfs(dir.toString()).blocks(), fs.statfs(ROOT, fs.root()).blocks());
        fs.setxattr(ROOT, fs.root(), "user.k", bytes("value"), 0);
        assertEquals(5, fs.getxattr(ROOT, fs.root(), "user.k", MemorySegment.NULL), "size query");
        assertEquals(Errno.ERANGE, errnoOf(() -> fs.getxattr(ROOT, fs.root(), "user.k", arena.allocate(2))));
        MemorySegment list = arena.allocate(256);
        int n = fs.listxattr(ROOT, fs.root(), list);
        assertTrue(new String(list.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8).contains("user.k\0"));
        fs.removexattr(ROOT, fs.root(), "user.k");
        assertEquals(Errno.ENODATA, errnoOf(() -> fs.getxattr(ROOT, fs.root(), "user.k", MemorySegment.NULL)));
    }

    /** An open's options but NOFLUSH, which depends on the file system the test directory is on. */
    private static Set<OpenOption> withoutNoFlush(Set<OpenOption> options) {
        Set<OpenOption> rest = new java.util.HashSet<>(options);
        rest.remove(OpenOption.NOFLUSH);
        return rest;
    }
}
