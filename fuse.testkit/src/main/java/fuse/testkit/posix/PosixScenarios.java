package fuse.testkit.posix;

import static fuse.posix.Linux.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

import fuse.api.Attributes;
import fuse.api.Errno;
import fuse.api.FileSystemStats;
import fuse.api.FileType;
import fuse.api.FuseException;
import fuse.api.TimeSpec;
import fuse.posix.Posix;
import fuse.testkit.posix.PosixDriver.DirEntry;
import fuse.testkit.posix.PosixDriver.OpenFile;

/**
 * POSIX behaviour every way of reaching a file system must show, written against {@link PosixDriver} only: a
 * subclass supplies the driver for an empty directory. Run on the host file system they check the expectations
 * themselves; run through a backend's SPI ({@link SpiDriver}) or a mount ({@link PathDriver} on the mountpoint),
 * they check that path.
 *
 * <p>Expectations assume the test runs as root with umask 022 on ext4-like semantics (sparse files, user xattrs,
 * stable directory cookies); root-only parts are skipped otherwise. A backend that does not offer everything a
 * POSIX file system does says what it offers ({@link #features()}); the scenarios that need the rest are skipped,
 * naming the feature.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class PosixScenarios {

    /** The driver for this test's empty directory. */
    protected abstract PosixDriver driver();

    /**
     * What a backend may offer beyond files, directories, rename, modes, times, listings and statfs, which every
     * backend must.
     */
    public enum Feature {
        /** symlink, readlink. */
        SYMLINKS,
        /** link. */
        HARD_LINKS,
        /** mknod of FIFOs, sockets and devices. */
        SPECIAL_FILES,
        /** getxattr, setxattr, listxattr, removexattr. */
        EXTENDED_ATTRIBUTES,
        /** fallocate and SEEK_DATA/SEEK_HOLE. */
        SPARSE_FILES,
        /** copy_file_range. */
        COPY_FILE_RANGE,
        /** What a caller creates is owned by the caller's uid and gid, and the caller's permissions apply. */
        CALLER_CREDENTIALS,
        /** chown. */
        CHOWN
    }

    /** What the backend under test offers; all by default. */
    protected Set<Feature> features() {
        return EnumSet.allOf(Feature.class);
    }

    /** Skips the rest of the scenario unless the backend offers each of {@code needed}. */
    protected final void requires(Feature... needed) {
        for (Feature feature : needed) {
            assumeTrue(features().contains(feature), "the backend does not offer " + feature);
        }
    }

    /** Whether the side serving the scenario runs as root (devices, whiteouts, chown, acting as other users). */
    protected boolean privileged() {
        return Posix.geteuid() == 0;
    }

    /**
     * Whether callers may rename with {@code RENAME_WHITEOUT}. A file system that keeps whiteouts for its own use
     * refuses it: overlayfs answers {@code EINVAL}.
     */
    protected boolean renameWhiteoutAllowed() {
        return true;
    }

    /**
     * Whether SEEK_DATA and SEEK_HOLE find the holes of a sparse file; a file system that does not report them
     * (a FUSE mount with the writeback cache) shows data up to the end and the one hole there.
     */
    protected boolean reportsHoles() {
        return true;
    }

    protected static Errno errnoOf(Executable call) {
        return assertThrows(FuseException.class, call).errno();
    }

    protected static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    protected static String read(OpenFile file, long offset, int length) throws FuseException {
        byte[] buffer = new byte[length];
        int n = file.read(offset, buffer);
        return new String(buffer, 0, n, StandardCharsets.UTF_8);
    }

    protected void writeFile(String path, String content) throws FuseException {
        try (OpenFile f = driver().open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644)) {
            f.write(0, bytes(content));
        }
    }

    protected String readFile(String path) throws FuseException {
        try (OpenFile f = driver().open(path, O_RDONLY, 0)) {
            return read(f, 0, (int) f.stat().size());
        }
    }

    @Test
    void createWriteReadAndStat() throws Exception {
        PosixDriver d = driver();
        try (OpenFile f = d.open("f", O_CREAT | O_RDWR, 0644)) {
            assertEquals(5, f.write(0, bytes("hello")));
            assertEquals("hello", read(f, 0, 64));
            assertEquals("llo", read(f, 2, 3));
            assertEquals("", read(f, 5, 3));
            Attributes a = f.stat();
            assertEquals(5, a.size());
            assertEquals(FileType.REGULAR, a.type());
            assertEquals(0644, a.permissions());
            assertEquals(1, a.linkCount());
            assertEquals(a.inode(), d.lstat("f").inode());
        }
        try (OpenFile again = d.open("f", O_CREAT | O_RDWR, 0600)) {
            assertEquals("hello", read(again, 0, 5));
        }
        assertEquals(0644, d.lstat("f").permissions());
    }

    @Test
    void exclusiveCreateTruncateAndAppend() throws Exception {
        PosixDriver d = driver();
        writeFile("f", "0123456789");
        assertEquals(Errno.EEXIST, errnoOf(() -> d.open("f", O_CREAT | O_EXCL | O_WRONLY, 0644)));
        try (OpenFile f = d.open("f", O_WRONLY | O_APPEND, 0)) {
            f.write(0, bytes("ab"));
        }
        assertEquals("0123456789ab", readFile("f"));
        try (OpenFile f = d.open("f", O_RDWR | O_TRUNC, 0)) {
            assertEquals(0, f.stat().size());
        }
        d.truncate("f", 3);
        assertEquals("\0\0\0", readFile("f"));
        assertEquals(Errno.EINVAL, errnoOf(() -> d.truncate("f", -1)));
    }

    @Test
    void lookupErrors() throws Exception {
        PosixDriver d = driver();
        writeFile("f", "x");
        d.mkdir("d", 0755);
        assertEquals(Errno.ENOENT, errnoOf(() -> d.lstat("missing")));
        assertEquals(Errno.ENOENT, errnoOf(() -> d.open("missing", O_RDONLY, 0)));
        assertEquals(Errno.ENOTDIR, errnoOf(() -> d.lstat("f/child")));
        assertEquals(Errno.ENOTDIR, errnoOf(() -> d.mkdir("f/child", 0755)));
        assertEquals(Errno.EISDIR, errnoOf(() -> d.open("d", O_WRONLY, 0)));
        assertEquals(Errno.EISDIR, errnoOf(() -> d.truncate("d", 0)));
        assertEquals(Errno.ENOENT, errnoOf(() -> d.open("missing/f", O_CREAT | O_WRONLY, 0644)));
    }

    @Test
    void directories() throws Exception {
        PosixDriver d = driver();
        d.mkdir("d", 0750);
        Attributes dir = d.lstat("d");
        assertEquals(FileType.DIRECTORY, dir.type());
        assertEquals(0750, dir.permissions());
        assertEquals(2, dir.linkCount());
        assertEquals(Errno.EEXIST, errnoOf(() -> d.mkdir("d", 0755)));
        d.mkdir("d/sub", 0755);
        assertEquals(3, d.lstat("d").linkCount());
        writeFile("d/f", "");
        assertEquals(Errno.ENOTEMPTY, errnoOf(() -> d.rmdir("d")));
        assertEquals(Errno.EISDIR, errnoOf(() -> d.unlink("d/sub")));
        assertEquals(Errno.ENOTDIR, errnoOf(() -> d.rmdir("d/f")));
        assertEquals(Errno.ENOENT, errnoOf(() -> d.rmdir("d/none")));
        d.unlink("d/f");
        d.rmdir("d/sub");
        assertEquals(2, d.lstat("d").linkCount());
        d.rmdir("d");
        assertEquals(Errno.ENOENT, errnoOf(() -> d.lstat("d")));
    }

    @Test
    void renameFlags() throws Exception {
        PosixDriver d = driver();
        writeFile("a", "A");
        writeFile("b", "B");
        long inodeA = d.lstat("a").inode();
        assertEquals(Errno.EEXIST, errnoOf(() -> d.rename("a", "b", RENAME_NOREPLACE)));
        d.rename("a", "b", RENAME_EXCHANGE);
        assertEquals("B", readFile("a"));
        assertEquals("A", readFile("b"));
        assertEquals(inodeA, d.lstat("b").inode());
        assertEquals(Errno.ENOENT, errnoOf(() -> d.rename("a", "c", RENAME_EXCHANGE)));
        assertEquals(Errno.EINVAL, errnoOf(() -> d.rename("a", "b", RENAME_EXCHANGE | RENAME_NOREPLACE)));
        d.rename("a", "b", 0);
        assertEquals("B", readFile("b"));
        assertEquals(Errno.ENOENT, errnoOf(() -> d.lstat("a")));
        d.rename("b", "c", RENAME_NOREPLACE);

        d.mkdir("full", 0755);
        writeFile("full/x", "");
        d.mkdir("empty", 0755);
        assertEquals(Errno.ENOTEMPTY, errnoOf(() -> d.rename("empty", "full", 0)));
        assertEquals(Errno.ENOTDIR, errnoOf(() -> d.rename("empty", "c", 0)));
        assertEquals(Errno.EISDIR, errnoOf(() -> d.rename("c", "empty", 0)));
        assertEquals(Errno.EINVAL, errnoOf(() -> d.rename("full", "full/inside", 0)));
        d.rename("c", "full/c", 0);
        assertEquals("B", readFile("full/c"));

        if (!renameWhiteoutAllowed()) {
            assertEquals(Errno.EINVAL, errnoOf(() -> d.rename("full/c", "moved", RENAME_WHITEOUT)));
            return;
        }
        assumeTrue(privileged(), "whiteouts need CAP_MKNOD");
        d.rename("full/c", "moved", RENAME_WHITEOUT);
        Attributes whiteout = d.lstat("full/c");
        assertEquals(FileType.CHARACTER_DEVICE, whiteout.type());
        assertEquals(0, whiteout.rdev());
        assertEquals("B", readFile("moved"));
    }

    @Test
    void symlinksAndHardLinks() throws Exception {
        requires(Feature.SYMLINKS, Feature.HARD_LINKS);
        PosixDriver d = driver();
        writeFile("f", "data");
        d.symlink("/absolute/nowhere", "dangling");
        d.symlink("../../etc/passwd", "up");
        d.symlink("f", "rel");
        assertEquals("/absolute/nowhere", d.readlink("dangling"));
        assertEquals("../../etc/passwd", d.readlink("up"));
        Attributes link = d.lstat("rel");
        assertEquals(FileType.SYMLINK, link.type());
        assertEquals(1, link.size());
        assertEquals(Errno.EEXIST, errnoOf(() -> d.symlink("x", "f")));
        assertEquals(Errno.EINVAL, errnoOf(() -> d.readlink("f")));

        d.link("f", "g");
        Attributes f = d.lstat("f");
        assertEquals(2, f.linkCount());
        assertEquals(f.inode(), d.lstat("g").inode());
        assertEquals(Errno.EEXIST, errnoOf(() -> d.link("f", "rel")));
        d.mkdir("dir", 0755);
        assertEquals(Errno.EPERM, errnoOf(() -> d.link("dir", "dirlink")));
        d.link("rel", "rel2");
        assertEquals(FileType.SYMLINK, d.lstat("rel2").type());
        assertEquals(2, d.lstat("rel").linkCount());
        d.unlink("f");
        assertEquals(1, d.lstat("g").linkCount());
        assertEquals("data", readFile("g"));
        d.unlink("dangling");
        assertEquals(Errno.ENOENT, errnoOf(() -> d.lstat("dangling")));
    }

    @Test
    void specialFiles() throws Exception {
        requires(Feature.SPECIAL_FILES);
        PosixDriver d = driver();
        d.mknod("fifo", S_IFIFO | 0640, 0);
        Attributes fifo = d.lstat("fifo");
        assertEquals(FileType.FIFO, fifo.type());
        assertEquals(0640, fifo.permissions());
        d.mknod("sock", S_IFSOCK | 0600, 0);
        assertEquals(FileType.SOCKET, d.lstat("sock").type());
        d.mknod("plain", S_IFREG | 0600, 0);
        assertEquals(FileType.REGULAR, d.lstat("plain").type());
        assertEquals(Errno.EEXIST, errnoOf(() -> d.mknod("fifo", S_IFIFO | 0600, 0)));
        assumeTrue(privileged(), "devices need CAP_MKNOD");
        d.mknod("null", S_IFCHR | 0666, makedev(1, 3));
        Attributes dev = d.lstat("null");
        assertEquals(FileType.CHARACTER_DEVICE, dev.type());
        assertEquals(makedev(1, 3), dev.rdev());
        d.mknod("blk", S_IFBLK | 0600, makedev(7, 200));
        assertEquals(makedev(7, 200), d.lstat("blk").rdev());
    }

    @Test
    void sparseFilesBeyondFourGib() throws Exception {
        requires(Feature.SPARSE_FILES);
        PosixDriver d = driver();
        long far = (4L << 30) + 12345 * 4096L;
        try (OpenFile f = d.open("sparse", O_CREAT | O_RDWR, 0644)) {
            f.write(far, bytes("end"));
            assertEquals(far + 3, f.stat().size());
            assertTrue(f.stat().blocks() < 64, "allocated blocks: " + f.stat().blocks());
            // Without hole reporting: data up to the end, and the one hole at it.
            assertEquals(reportsHoles() ? 0 : far + 3, f.seek(0, SEEK_HOLE));
            assertEquals(reportsHoles() ? far : 0, f.seek(0, SEEK_DATA));
            assertEquals(Errno.ENXIO, errnoOf(() -> f.seek(far + 3, SEEK_DATA)));
            assertEquals("end", read(f, far, 3));
            assertEquals("\0\0", read(f, 1L << 32, 2));

            f.write(0, new byte[8192]);
            f.fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 8192);
            assertEquals(reportsHoles() ? far : 0, f.seek(0, SEEK_DATA));
            assertEquals(far + 3, f.stat().size());
            f.fallocate(FALLOC_FL_KEEP_SIZE, far + 4096, 1 << 20);
            assertEquals(far + 3, f.stat().size());
            f.fallocate(0, far + 3, 4096);
            assertEquals(far + 4099, f.stat().size());
            assertEquals(Errno.EOPNOTSUPP, errnoOf(() -> f.fallocate(FALLOC_FL_PUNCH_HOLE, 0, 4096)));
            f.fsync(false);
            f.fsync(true);
        }
    }

    @Test
    void copyFileRange() throws Exception {
        requires(Feature.COPY_FILE_RANGE);
        PosixDriver d = driver();
        writeFile("src", "0123456789");
        try (OpenFile in = d.open("src", O_RDONLY, 0); OpenFile out = d.open("dst", O_CREAT | O_RDWR, 0644)) {
            assertEquals(6, in.copyTo(2, out, 1, 6));
            assertEquals(7, out.stat().size());
            assertEquals("\0" + "234567", read(out, 0, 16));
            assertEquals(0, in.copyTo(10, out, 0, 5));
            assertEquals(Errno.EBADF, errnoOf(() -> out.copyTo(0, in, 0, 1)));
        }
    }

    @Test
    void extendedAttributes() throws Exception {
        requires(Feature.EXTENDED_ATTRIBUTES);
        PosixDriver d = driver();
        writeFile("f", "");
        d.setxattr("f", "user.color", bytes("blue"), 0);
        d.setxattr("f", "user.empty", new byte[0], 0);
        assertArrayEquals(bytes("blue"), d.getxattr("f", "user.color"));
        assertArrayEquals(new byte[0], d.getxattr("f", "user.empty"));
        assertTrue(d.listxattr("f").containsAll(List.of("user.color", "user.empty")));
        assertEquals(Errno.EEXIST, errnoOf(() -> d.setxattr("f", "user.color", bytes("red"), XATTR_CREATE)));
        assertEquals(Errno.ENODATA, errnoOf(() -> d.setxattr("f", "user.none", bytes("1"), XATTR_REPLACE)));
        d.setxattr("f", "user.color", bytes("green"), XATTR_REPLACE);
        assertArrayEquals(bytes("green"), d.getxattr("f", "user.color"));
        d.removexattr("f", "user.color");
        assertEquals(Errno.ENODATA, errnoOf(() -> d.getxattr("f", "user.color")));
        assertEquals(Errno.ENODATA, errnoOf(() -> d.removexattr("f", "user.color")));
        assertFalse(d.listxattr("f").contains("user.color"));
        d.mkdir("dir", 0755);
        d.setxattr("dir", "user.d", bytes("1"), 0);
        assertArrayEquals(bytes("1"), d.getxattr("dir", "user.d"));
    }

    @Test
    void modesOwnersAndTimes() throws Exception {
        PosixDriver d = driver();
        boolean symlinks = features().contains(Feature.SYMLINKS);
        writeFile("f", "");
        d.chmod("f", 04755);
        assertEquals(04755, d.lstat("f").permissions());
        d.chmod("f", 0600);
        assertEquals(0600, d.lstat("f").permissions());

        d.utimens("f", new TimeSpec(1_000_000, 5), new TimeSpec(2_000_000, 7));
        Attributes a = d.lstat("f");
        assertEquals(1_000_000, a.atimeSeconds());
        assertEquals(5, a.atimeNanos());
        assertEquals(2_000_000, a.mtimeSeconds());
        assertEquals(7, a.mtimeNanos());
        d.utimens("f", null, TimeSpec.NOW);
        Attributes b = d.lstat("f");
        assertEquals(1_000_000, b.atimeSeconds());
        assertTrue(b.mtimeSeconds() >= System.currentTimeMillis() / 1000 - 5);
        if (symlinks) {
            d.symlink("f", "link");
            d.utimens("link", new TimeSpec(3_000, 0), new TimeSpec(4_000, 0));
            assertEquals(4_000, d.lstat("link").mtimeSeconds());
            assertTrue(d.lstat("f").mtimeSeconds() > 4_000);
        }

        requires(Feature.CHOWN);
        assumeTrue(privileged(), "chown needs CAP_CHOWN");
        d.chmod("f", 06755);
        d.chown("f", 1234, -1);
        Attributes owned = d.lstat("f");
        assertEquals(1234, owned.uid());
        assertEquals(0, owned.gid());
        assertEquals(0755, owned.permissions(), "chown of an executable clears set-user-ID and set-group-ID");
        d.chown("f", -1, 4321);
        assertEquals(4321, d.lstat("f").gid());
        if (symlinks) {
            d.chown("link", 777, 777);
            assertEquals(777, d.lstat("link").uid());
            assertEquals(1234, d.lstat("f").uid());
        }
    }

    @Test
    void statfsDescribesTheFileSystem() throws Exception {
        FileSystemStats stats = driver().statfs("");
        assertTrue(stats.blocks() > 0);
        assertTrue(stats.freeBlocks() <= stats.blocks());
        assertTrue(stats.blockSize() >= 512);
        assertEquals(255, stats.maxNameLength());
    }

    @Test
    void listingResumesFromOffsets() throws Exception {
        PosixDriver d = driver();
        d.mkdir("dir", 0755);
        Set<String> expected = new HashSet<>(List.of(".", ".."));
        for (int i = 0; i < 500; i++) {
            d.open("dir/entry-" + i, O_CREAT | O_WRONLY, 0644).close();
            expected.add("entry-" + i);
        }
        d.mkdir("dir/subdir", 0755);
        expected.add("subdir");
        List<DirEntry> all = new ArrayList<>();
        long offset = 0;
        while (true) {
            List<DirEntry> chunk = d.list("dir", offset, 37);
            if (chunk.isEmpty()) {
                break;
            }
            all.addAll(chunk);
            offset = chunk.getLast().nextOffset();
            assertNotEquals(0, offset);
        }
        Set<String> names = new HashSet<>();
        for (DirEntry e : all) {
            assertTrue(names.add(e.name()), "listed twice: " + e.name());
        }
        assertEquals(expected, names);
        DirEntry sub = all.stream().filter(e -> e.name().equals("subdir")).findFirst().orElseThrow();
        assertEquals(FileType.DIRECTORY, sub.type());
        assertEquals(d.lstat("dir/subdir").inode(), sub.inode());
        assertEquals(FileType.REGULAR,
                all.stream().filter(e -> e.name().equals("entry-7")).findFirst().orElseThrow().type());
        assertEquals(Errno.ENOTDIR, errnoOf(() -> d.list("dir/entry-1", 0, 10)));
    }

    @Test
    void callersOwnWhatTheyCreate() throws Exception {
        requires(Feature.CALLER_CREDENTIALS, Feature.SPECIAL_FILES, Feature.SYMLINKS);
        assumeTrue(privileged(), "acting as another user needs CAP_SETUID");
        PosixDriver d = driver();
        d.chmod("", 0755);
        d.mkdir("shared", 0777);
        d.chmod("shared", 0777);
        PosixDriver user = d.as(1000, 1001);
        user.mkdir("shared/dir", 0777);
        try (OpenFile f = user.open("shared/file", O_CREAT | O_WRONLY, 0666)) {
            f.write(0, bytes("mine"));
        }
        user.mknod("shared/fifo", S_IFIFO | 0666, 0);
        user.symlink("file", "shared/link");
        for (String name : List.of("dir", "file", "fifo", "link")) {
            Attributes a = d.lstat("shared/" + name);
            assertEquals(1000, a.uid(), name);
            assertEquals(1001, a.gid(), name);
        }
        assertEquals(0755, d.lstat("shared/dir").permissions());
        assertEquals(0644, d.lstat("shared/file").permissions());

        d.mkdir("private", 0700);
        assertEquals(Errno.EACCES, errnoOf(() -> user.mkdir("private/x", 0755)));
        assertEquals(Errno.EACCES, errnoOf(() -> user.open("private/y", O_CREAT | O_WRONLY, 0644)));
        assertEquals(Errno.EPERM, errnoOf(() -> user.mknod("shared/null", S_IFCHR | 0666, makedev(1, 3))));
        writeFile("secret", "s");
        d.chmod("secret", 0600);
        assertEquals(Errno.EACCES, errnoOf(() -> user.access("secret", R_OK)));
        user.access("shared/file", R_OK | W_OK);
        d.access("secret", R_OK | W_OK);
        assertEquals(Errno.ENOENT, errnoOf(() -> d.access("nothing", F_OK)));
    }
}
