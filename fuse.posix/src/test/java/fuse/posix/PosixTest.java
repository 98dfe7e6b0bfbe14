package fuse.posix;

import static fuse.posix.Linux.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import fuse.api.Attributes;
import fuse.api.Errno;
import fuse.api.FileSystemStats;
import fuse.api.FileType;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PosixTest {
    @TempDir
    Path dir;

    private int dirfd;
    private Arena arena;

    @BeforeEach
    void openDirectory() throws PosixException {
        dirfd = Posix.openat(AT_FDCWD, dir.toString(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        arena = Arena.ofConfined();
    }

    @AfterEach
    void closeDirectory() {
        Posix.closeQuietly(dirfd);
        arena.close();
    }

    private static Errno errnoOf(Executable call) {
        return assertThrows(PosixException.class, call).errno();
    }

    private MemorySegment bytes(String s) {
        return arena.allocateFrom(s, StandardCharsets.UTF_8).asSlice(0, s.getBytes(StandardCharsets.UTF_8).length);
    }

    private static String text(MemorySegment segment, long length) {
        return new String(segment.asSlice(0, length).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
    }

    private static boolean root() {
        return Posix.geteuid() == 0;
    }

    @Nested
    class Layouts {
        @Test
        void structSizesAndOffsetsMatchGlibcOnX8664() {
            assertEquals(144, Structs.STAT.byteSize());
            assertEquals(120, Structs.STATFS.byteSize());
            assertEquals(24, Structs.OPEN_HOW.byteSize());
            assertEquals(8, Structs.ST_INO);
            assertEquals(16, Structs.ST_NLINK);
            assertEquals(24, Structs.ST_MODE);
            assertEquals(40, Structs.ST_RDEV);
            assertEquals(48, Structs.ST_SIZE);
            assertEquals(64, Structs.ST_BLOCKS);
            assertEquals(72, Structs.ST_ATIM);
            assertEquals(104, Structs.ST_CTIM);
            assertEquals(64, Structs.F_NAMELEN);
            assertEquals(72, Structs.F_FRSIZE);
            assertEquals(19, Structs.D_NAME);
        }

        @Test
        void makedevRoundTripsGlibcEncoding() {
            assertEquals(0x103, makedev(1, 3));
            long dev = makedev(259, 70000);
            assertEquals(259, major(dev));
            assertEquals(70000, minor(dev));
        }
    }

    @Nested
    class Opening {
        @Test
        void openatCreatesWritesAndReadsBack() throws Exception {
            int fd = Posix.openat(dirfd, "a", O_CREAT | O_RDWR | O_CLOEXEC, 0640);
            try (Fd ignored = Fd.of(fd)) {
                assertEquals(5, Posix.pwrite(fd, bytes("hello"), 0));
                MemorySegment buffer = arena.allocate(16);
                assertEquals(5, Posix.pread(fd, buffer, 0));
                assertEquals("hello", text(buffer, 5));
                assertEquals(2, Posix.pread(fd, buffer, 3));
                assertEquals(0, Posix.pread(fd, buffer, 5));
            }
            assertEquals("hello", Files.readString(dir.resolve("a")));
        }

        @Test
        void openatFailuresCarryErrnoCallAndSubject() {
            PosixException e = assertThrows(PosixException.class, () -> Posix.openat(dirfd, "missing", O_RDONLY, 0));
            assertEquals(Errno.ENOENT, e.errno());
            assertEquals("openat", e.call());
            assertEquals("openat(missing): ENOENT", e.getMessage());
        }

        @Test
        void flockConflictsBetweenOpenFileDescriptionsAndEndsWithTheLastClose() throws Exception {
            int first = Posix.openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
            int second = Posix.openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
            try (Fd b = Fd.of(second)) {
                Posix.flock(first, LOCK_EX | LOCK_NB);
                assertEquals(Errno.EWOULDBLOCK, errnoOf(() -> Posix.flock(second, LOCK_EX | LOCK_NB)));
                int copy = Posix.dup(first);
                Posix.close(first);
                assertEquals(Errno.EWOULDBLOCK, errnoOf(() -> Posix.flock(second, LOCK_SH | LOCK_NB)),
                        "a duplicate keeps the lock");
                Posix.close(copy);
                Posix.flock(second, LOCK_SH | LOCK_NB);
                Posix.flock(second, LOCK_UN);
                assertEquals(Errno.EBADF, errnoOf(() -> Posix.flock(dirfd, LOCK_EX | LOCK_NB)), "not on O_PATH");
            }
        }

        @Test
        void exclusiveCreateOfAnExistingFileIsEexist() throws Exception {
            Files.writeString(dir.resolve("x"), "x");
            assertEquals(Errno.EEXIST, errnoOf(() -> Posix.openat(dirfd, "x", O_CREAT | O_EXCL | O_WRONLY, 0600)));
        }

        @Test
        void openat2StaysBeneathTheDirectory() throws Exception {
            Files.createDirectory(dir.resolve("sub"));
            Files.writeString(dir.resolve("sub/f"), "in");
            Files.createSymbolicLink(dir.resolve("up"), Path.of(".."));
            Files.createSymbolicLink(dir.resolve("abs"), Path.of("/etc/passwd"));
            Files.createSymbolicLink(dir.resolve("inside"), Path.of("sub/f"));
            long beneath = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;

            try (Fd fd = Fd.of(Posix.openat2(dirfd, "inside", O_RDONLY | O_CLOEXEC, 0, beneath))) {
                assertEquals(2, Posix.fstat(fd.value()).attributes().size());
            }
            assertEquals(Errno.EXDEV, errnoOf(() -> Posix.openat2(dirfd, "../x", O_RDONLY, 0, beneath)));
            assertEquals(Errno.EXDEV, errnoOf(() -> Posix.openat2(dirfd, "/etc/passwd", O_RDONLY, 0, beneath)));
            assertEquals(Errno.EXDEV, errnoOf(() -> Posix.openat2(dirfd, "abs", O_RDONLY, 0, beneath)));
            assertEquals(Errno.EXDEV, errnoOf(() -> Posix.openat2(dirfd, "up/etc", O_RDONLY, 0, beneath)));
            assertEquals(Errno.ELOOP, errnoOf(() -> Posix.openat2(dirfd, "inside", O_RDONLY, 0,
                    beneath | RESOLVE_NO_SYMLINKS)));
        }

        @Test
        void openat2RefusesMagicLinksAndUnknownResolveBits() throws Exception {
            Files.writeString(dir.resolve("f"), "f");
            try (Fd fd = Fd.of(Posix.openat(dirfd, "f", O_RDONLY | O_CLOEXEC, 0))) {
                String magic = Posix.procFdPath(fd.value());
                assertEquals(Errno.ELOOP,
                        errnoOf(() -> Posix.openat2(AT_FDCWD, magic, O_RDONLY, 0, RESOLVE_NO_MAGICLINKS)));
                try (Fd reopened = Fd.of(Posix.openat2(AT_FDCWD, magic, O_RDONLY, 0, 0))) {
                    assertEquals(Posix.fstat(fd.value()).inode(), Posix.fstat(reopened.value()).inode());
                }
            }
            assertEquals(Errno.EINVAL, errnoOf(() -> Posix.openat2(dirfd, "f", O_RDONLY, 0, 1L << 40)));
        }

        @Test
        void stringsWithNulOrBeyondPathMaxNeverReachTheKernel() {
            assertEquals(Errno.EINVAL, errnoOf(() -> Posix.openat(dirfd, "a\0/../../etc", O_RDONLY, 0)));
            assertEquals(Errno.EINVAL, errnoOf(() -> Posix.mkdirat(dirfd, "é\0x", 0700)));
            assertEquals(Errno.ENAMETOOLONG, errnoOf(() -> Posix.openat(dirfd, "a".repeat(5000), O_RDONLY, 0)));
            assertEquals(Errno.ENAMETOOLONG, errnoOf(() -> Posix.openat(dirfd, "é".repeat(2100), O_RDONLY, 0)));
            assertEquals(Errno.ENAMETOOLONG, errnoOf(() -> Posix.openat(dirfd, "b".repeat(300), O_RDONLY, 0)));
        }

        @Test
        void nonAsciiNamesRoundTrip() throws Exception {
            Posix.mkdirat(dirfd, "ünïcødé-名前", 0700);
            assertTrue(Files.isDirectory(dir.resolve("ünïcødé-名前")));
        }

        @Test
        void closeOfAClosedDescriptorIsEbadf() throws Exception {
            int fd = Posix.dup(dirfd);
            Posix.close(fd);
            assertEquals(Errno.EBADF, errnoOf(() -> Posix.close(fd)));
        }

        @Test
        void pipeDupAndFcntl() throws Exception {
            int[] pipe = Posix.pipe(O_CLOEXEC);
            try (Fd r = Fd.of(pipe[0]); Fd w = Fd.of(pipe[1]); Fd w2 = Fd.of(Posix.dup(pipe[1]))) {
                assertEquals(O_WRONLY, Posix.fcntl(w.value(), F_GETFL, 0) & O_ACCMODE);
                assertEquals(FD_CLOEXEC, Posix.fcntl(w.value(), F_GETFD, 0) & FD_CLOEXEC);
                assertEquals(3, Posix.write(w2.value(), bytes("abc")));
                MemorySegment buffer = arena.allocate(8);
                assertEquals(3, Posix.read(r.value(), buffer));
                assertEquals("abc", text(buffer, 3));
                assertEquals(Errno.ESPIPE, errnoOf(() -> Posix.pread(r.value(), buffer, 0)));
            }
        }
    }

    @Nested
    class Status {
        @Test
        void fstatatMatchesTheHostsView() throws Exception {
            Path file = dir.resolve("f");
            Files.writeString(file, "12345");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
            FileStat stat = Posix.fstatat(dirfd, "f", AT_SYMLINK_NOFOLLOW);
            Attributes a = stat.attributes();
            Map<String, Object> host = Files.readAttributes(file, "unix:*", LinkOption.NOFOLLOW_LINKS);
            assertEquals(host.get("ino"), a.inode());
            assertEquals(host.get("dev"), stat.device());
            assertEquals(5, a.size());
            assertEquals(FileType.REGULAR, a.type());
            assertEquals(0640, a.permissions());
            assertEquals(1, a.linkCount());
            assertEquals(host.get("uid"), a.uid());
            assertEquals(host.get("gid"), a.gid());
            FileTime mtime = (FileTime) host.get("lastModifiedTime");
            assertEquals(mtime.to(TimeUnit.NANOSECONDS), a.mtimeSeconds() * 1_000_000_000L + a.mtimeNanos());
            assertTrue(a.blockSize() > 0);
        }

        @Test
        void symlinksAreStattedOnlyWhenAsked() throws Exception {
            Files.createDirectory(dir.resolve("d"));
            Files.createSymbolicLink(dir.resolve("l"), Path.of("d"));
            assertEquals(FileType.SYMLINK, Posix.fstatat(dirfd, "l", AT_SYMLINK_NOFOLLOW).attributes().type());
            assertEquals(FileType.DIRECTORY, Posix.fstatat(dirfd, "l", 0).attributes().type());
            assertEquals(Errno.ENOENT, errnoOf(() -> Posix.fstatat(dirfd, "nope", AT_SYMLINK_NOFOLLOW)));
            Files.writeString(dir.resolve("f"), "");
            assertEquals(Errno.ENOTDIR, errnoOf(() -> Posix.fstatat(dirfd, "f/x", 0)));
        }

        @Test
        void emptyPathStatsAnOpathDescriptor() throws Exception {
            Files.createSymbolicLink(dir.resolve("l"), Path.of("/nowhere"));
            try (Fd link = Fd.of(Posix.openat(dirfd, "l", O_PATH | O_NOFOLLOW | O_CLOEXEC, 0))) {
                assertEquals(FileType.SYMLINK, Posix.fstatat(link.value(), "", AT_EMPTY_PATH).attributes().type());
                assertEquals(FileType.SYMLINK, Posix.fstat(link.value()).attributes().type());
                assertEquals(Errno.ENOENT, errnoOf(() -> Posix.fstatat(link.value(), "", 0)));
            }
        }

        @Test
        void statfsAndFstatfsAgree() throws Exception {
            FileSystemStats byFd = Posix.fstatfs(dirfd);
            FileSystemStats byPath = Posix.statfs(dir.toString());
            assertEquals(byPath.blocks(), byFd.blocks());
            assertEquals(byPath.blockSize(), byFd.blockSize());
            assertEquals(255, byFd.maxNameLength());
            assertEquals(Files.getFileStore(dir).getTotalSpace(), byFd.blocks() * byFd.fragmentSize());
            assertEquals(Errno.ENOENT, errnoOf(() -> Posix.statfs(dir.resolve("missing").toString())));
        }

        @Test
        void faccessatChecksExistenceAndPermissions() throws Exception {
            Files.writeString(dir.resolve("f"), "f");
            Posix.faccessat(dirfd, "f", F_OK, 0);
            Posix.faccessat(dirfd, "f", R_OK | W_OK, AT_EACCESS);
            assertEquals(Errno.ENOENT, errnoOf(() -> Posix.faccessat(dirfd, "g", F_OK, 0)));
            try (Fd fd = Fd.of(Posix.openat(dirfd, "f", O_PATH | O_CLOEXEC, 0))) {
                Posix.faccessat(fd.value(), "", R_OK, AT_EMPTY_PATH | AT_EACCESS);
            }
        }
    }

    @Nested
    class Data {
        @Test
        void syncAndTruncate() throws Exception {
            try (Fd fd = Fd.of(Posix.openat(dirfd, "f", O_CREAT | O_RDWR | O_CLOEXEC, 0600))) {
                Posix.pwriteFully(fd.value(), bytes("0123456789"), 0);
                Posix.fsync(fd.value());
                Posix.fdatasync(fd.value());
                Posix.ftruncate(fd.value(), 4);
                assertEquals(4, Posix.fstat(fd.value()).attributes().size());
                assertEquals(Errno.EINVAL, errnoOf(() -> Posix.ftruncate(fd.value(), -1)));
            }
            try (Fd path = Fd.of(Posix.openat(dirfd, "f", O_PATH | O_CLOEXEC, 0))) {
                assertEquals(Errno.EBADF, errnoOf(() -> Posix.ftruncate(path.value(), 1)));
                Posix.truncate(Posix.procFdPath(path.value()), 2);
                assertEquals(2, Posix.fstat(path.value()).attributes().size());
            }
            assertEquals("01", Files.readString(dir.resolve("f")));
        }

        @Test
        void fsyncWithTheDatasyncFlagMakesTheCallItNames() throws Exception {
            try (Fd path = Fd.of(Posix.openat(dirfd, ".", O_PATH | O_CLOEXEC, 0))) {
                // An O_PATH descriptor refuses both calls, so the failure names the call that was made.
                assertEquals("fdatasync",
                        assertThrows(PosixException.class, () -> Posix.fsync(path.value(), true)).call());
                assertEquals("fsync",
                        assertThrows(PosixException.class, () -> Posix.fsync(path.value(), false)).call());
            }
        }

        @Test
        void appendIgnoresTheOffset() throws Exception {
            Files.writeString(dir.resolve("log"), "ab");
            try (Fd fd = Fd.of(Posix.openat(dirfd, "log", O_WRONLY | O_APPEND | O_CLOEXEC, 0))) {
                Posix.pwrite(fd.value(), bytes("cd"), 0);
            }
            assertEquals("abcd", Files.readString(dir.resolve("log")));
        }

        @Test
        void sparseFilesBeyondFourGibHaveHolesAndData() throws Exception {
            long far = 5L << 30;
            try (Fd fd = Fd.of(Posix.openat(dirfd, "sparse", O_CREAT | O_RDWR | O_CLOEXEC, 0600))) {
                int f = fd.value();
                Posix.pwriteFully(f, bytes("x".repeat(4096)), far);
                assertEquals(far + 4096, Posix.fstat(f).attributes().size());
                assertEquals(0, Posix.lseek(f, 0, SEEK_HOLE));
                assertEquals(far, Posix.lseek(f, 0, SEEK_DATA));
                assertEquals(far + 4096, Posix.lseek(f, far, SEEK_HOLE));
                assertEquals(Errno.ENXIO, errnoOf(() -> Posix.lseek(f, far + 4096, SEEK_DATA)));
                MemorySegment buffer = arena.allocate(4);
                assertEquals(4, Posix.pread(f, buffer, far + 10));
                assertEquals("xxxx", text(buffer, 4));

                long blocks = Posix.fstat(f).attributes().blocks();
                Posix.fallocate(f, 0, 0, 8192);
                assertEquals(blocks + 16, Posix.fstat(f).attributes().blocks());
                Posix.fallocate(f, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, far, 4096);
                assertEquals(Errno.ENXIO, errnoOf(() -> Posix.lseek(f, 8192, SEEK_DATA)));
                assertEquals(far + 4096, Posix.fstat(f).attributes().size());
                assertEquals(Errno.EOPNOTSUPP, errnoOf(() -> Posix.fallocate(f, FALLOC_FL_PUNCH_HOLE, 0, 4096)));
            }
        }

        @Test
        void copyFileRangeUsesExplicitOffsets() throws Exception {
            Files.writeString(dir.resolve("src"), "0123456789");
            try (Fd in = Fd.of(Posix.openat(dirfd, "src", O_RDONLY | O_CLOEXEC, 0));
                    Fd out = Fd.of(Posix.openat(dirfd, "dst", O_CREAT | O_WRONLY | O_CLOEXEC, 0600))) {
                assertEquals(4, Posix.copyFileRange(in.value(), 3, out.value(), 2, 4, 0));
                assertEquals(0, Posix.lseek(in.value(), 0, SEEK_CUR));
                assertEquals(Errno.EBADF, errnoOf(() -> Posix.copyFileRange(out.value(), 0, in.value(), 0, 1, 0)));
            }
            assertEquals("\0\0" + "3456", Files.readString(dir.resolve("dst")));
        }
    }

    @Nested
    class Directories {
        private Map<String, Long> list(int fd, long from, int limit, MemorySegment buffer) throws PosixException {
            Map<String, Long> seen = new HashMap<>();
            Posix.lseek(fd, from, SEEK_SET);
            while (Posix.readDirectory(fd, buffer, (ino, next, type, name) -> {
                if (seen.size() == limit) {
                    return false;
                }
                seen.put(name, next);
                return true;
            })) {
                // next batch
            }
            return seen;
        }

        @Test
        void readDirectoryListsEveryEntryWithTypesAndResumableCookies() throws Exception {
            for (int i = 0; i < 300; i++) {
                Files.writeString(dir.resolve("file-" + i), "");
            }
            Files.createDirectory(dir.resolve("sub"));
            MemorySegment buffer = arena.allocate(1024);
            try (Fd fd = Fd.of(Posix.openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0))) {
                List<String> names = new ArrayList<>();
                Map<String, Integer> types = new HashMap<>();
                while (Posix.readDirectory(fd.value(), buffer, (ino, next, type, name) -> {
                    assertTrue(next != 0);
                    names.add(name);
                    types.put(name, type);
                    return true;
                })) {
                    // small buffer: many batches
                }
                assertEquals(303, names.size());
                assertTrue(names.containsAll(List.of(".", "..", "sub", "file-0", "file-299")));
                assertEquals(DT_DIR, types.get("sub"));
                assertEquals(DT_REG, types.get("file-7"));

                Map<String, Long> first = list(fd.value(), 0, 100, buffer);
                assertEquals(100, first.size());
                // Resuming from the last accepted cookie lists exactly the rest: no entry lost or repeated.
                long cookie = first.get(names.get(99));
                Map<String, Long> rest = list(fd.value(), cookie, Integer.MAX_VALUE, buffer);
                assertEquals(203, rest.size());
                for (String name : rest.keySet()) {
                    assertFalse(first.containsKey(name), name);
                }
            }
        }

        @Test
        void visitDirentNamesGivesEachNameAsItsBytesWhateverThePaddingHolds() throws Exception {
            List<byte[]> names = List.of("a".getBytes(StandardCharsets.US_ASCII),
                    new byte[] {'c', 'a', 'f', (byte) 0xe9}, new byte[] {(byte) 0xff, (byte) 0xfe},
                    "x".repeat(255).getBytes(StandardCharsets.US_ASCII), "sp ace\n".getBytes(StandardCharsets.UTF_8));
            for (byte[] name : names) {
                Posix.closeQuietly(Posix.openat(dirfd, FileNames.decode(name), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
            }
            MemorySegment buffer = arena.allocate(8192);
            buffer.fill((byte) 0x41); // the kernel does not clear a record's padding: no name may run into it
            try (Fd fd = Fd.of(Posix.openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0))) {
                long end = Posix.getdents64(fd.value(), buffer);
                List<String> raw = new ArrayList<>();
                List<String> decoded = new ArrayList<>();
                assertEquals(end, Posix.visitDirentNames(buffer, 0, end,
                        (ino, next, type, name) -> raw.add(FileNames.decode(name.toArray(JAVA_BYTE)))));
                assertEquals(end, Posix.visitDirents(buffer, 0, end, (ino, next, type, name) -> decoded.add(name)));
                assertEquals(decoded, raw);
                for (byte[] name : names) {
                    assertTrue(raw.contains(FileNames.decode(name)), () -> "missing " + java.util.HexFormat.of()
                            .formatHex(name) + " in " + raw);
                }
                assertEquals(names.size() + 2, raw.size(), "the names, . and ..");
            }
        }

        @Test
        void visitDirentsResumesWhereTheVisitorStopped() throws Exception {
            for (int i = 0; i < 10; i++) {
                Files.writeString(dir.resolve("e" + i), "");
            }
            MemorySegment buffer = arena.allocate(8192);
            try (Fd fd = Fd.of(Posix.openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0))) {
                long end = Posix.getdents64(fd.value(), buffer);
                List<String> first = new ArrayList<>();
                long stop = Posix.visitDirents(buffer, 0, end, (ino, next, type, name) -> first.size() < 4 && first.add(name));
                assertEquals(4, first.size());
                assertTrue(stop > 0 && stop < end);
                List<String> rest = new ArrayList<>();
                assertEquals(end, Posix.visitDirents(buffer, stop, end, (ino, next, type, name) -> rest.add(name)));
                assertEquals(8, rest.size());
                assertTrue(java.util.Collections.disjoint(first, rest));
                assertEquals(0, Posix.getdents64(fd.value(), buffer), "one batch held all 12 entries");
            }
        }

        @Test
        void getdentsOnARegularFileIsEnotdir() throws Exception {
            Files.writeString(dir.resolve("f"), "");
            try (Fd fd = Fd.of(Posix.openat(dirfd, "f", O_RDONLY | O_CLOEXEC, 0))) {
                assertEquals(Errno.ENOTDIR, errnoOf(() -> Posix.getdents64(fd.value(), arena.allocate(512))));
            }
        }
    }

    @Nested
    class Names {
        @Test
        void mkdirUnlinkAndRmdirErrors() throws Exception {
            Posix.mkdirat(dirfd, "d", 0750);
            assertEquals(0750, Posix.fstatat(dirfd, "d", 0).attributes().permissions());
            assertEquals(Errno.EEXIST, errnoOf(() -> Posix.mkdirat(dirfd, "d", 0700)));
            Files.writeString(dir.resolve("d/f"), "");
            assertEquals(Errno.ENOTEMPTY, errnoOf(() -> Posix.unlinkat(dirfd, "d", AT_REMOVEDIR)));
            assertEquals(Errno.EISDIR, errnoOf(() -> Posix.unlinkat(dirfd, "d", 0)));
            assertEquals(Errno.ENOTDIR, errnoOf(() -> Posix.unlinkat(dirfd, "d/f", AT_REMOVEDIR)));
            Posix.unlinkat(dirfd, "d/f", 0);
            Posix.unlinkat(dirfd, "d", AT_REMOVEDIR);
            assertFalse(Files.exists(dir.resolve("d")));
            assertEquals(Errno.ENOENT, errnoOf(() -> Posix.unlinkat(dirfd, "d", 0)));
        }

        @Test
        void mknodCreatesFifosAndDevices() throws Exception {
            Posix.mknodat(dirfd, "fifo", S_IFIFO | 0600, 0);
            assertEquals(FileType.FIFO, Posix.fstatat(dirfd, "fifo", 0).attributes().type());
            assumeTrue(root(), "devices need CAP_MKNOD");
            Posix.mknodat(dirfd, "null", S_IFCHR | 0666, makedev(1, 3));
            Attributes nul = Posix.fstatat(dirfd, "null", 0).attributes();
            assertEquals(FileType.CHARACTER_DEVICE, nul.type());
            assertEquals(1, major(nul.rdev()));
            assertEquals(3, minor(nul.rdev()));
        }

        @Test
        void symlinksStoreTheirTargetVerbatim() throws Exception {
            Posix.symlinkat("../../etc/passwd", dirfd, "l");
            assertEquals("../../etc/passwd", Posix.readlinkat(dirfd, "l"));
            assertEquals("../../etc/passwd", Files.readSymbolicLink(dir.resolve("l")).toString());
            try (Fd link = Fd.of(Posix.openat(dirfd, "l", O_PATH | O_NOFOLLOW | O_CLOEXEC, 0))) {
                assertEquals("../../etc/passwd", Posix.readlinkat(link.value(), ""));
            }
            Posix.symlinkat("é/" + "x".repeat(4000), dirfd, "long");
            assertEquals("é/" + "x".repeat(4000), Posix.readlinkat(dirfd, "long"));
            Files.writeString(dir.resolve("f"), "");
            assertEquals(Errno.EINVAL, errnoOf(() -> Posix.readlinkat(dirfd, "f")));
            assertEquals(Errno.EEXIST, errnoOf(() -> Posix.symlinkat("x", dirfd, "f")));
        }

        @Test
        void hardLinksByNameAndByOpathDescriptor() throws Exception {
            Files.writeString(dir.resolve("f"), "data");
            Posix.linkat(dirfd, "f", dirfd, "g", 0);
            assertEquals(2, Posix.fstatat(dirfd, "f", 0).attributes().linkCount());
            assumeTrue(root(), "AT_EMPTY_PATH links need CAP_DAC_READ_SEARCH");
            try (Fd fd = Fd.of(Posix.openat(dirfd, "f", O_PATH | O_CLOEXEC, 0))) {
                Posix.linkat(fd.value(), "", dirfd, "h", AT_EMPTY_PATH);
                assertEquals(3, Posix.fstat(fd.value()).attributes().linkCount());
                assertEquals(Errno.EEXIST, errnoOf(() -> Posix.linkat(fd.value(), "", dirfd, "g", AT_EMPTY_PATH)));
            }
        }

        @Test
        void renameFlags() throws Exception {
            Files.writeString(dir.resolve("a"), "A");
            Files.writeString(dir.resolve("b"), "B");
            assertEquals(Errno.EEXIST, errnoOf(() -> Posix.renameat2(dirfd, "a", dirfd, "b", RENAME_NOREPLACE)));
            Posix.renameat2(dirfd, "a", dirfd, "b", RENAME_EXCHANGE);
            assertEquals("B", Files.readString(dir.resolve("a")));
            assertEquals("A", Files.readString(dir.resolve("b")));
            assertEquals(Errno.ENOENT, errnoOf(() -> Posix.renameat2(dirfd, "a", dirfd, "c", RENAME_EXCHANGE)));
            assertEquals(Errno.EINVAL, errnoOf(() -> Posix.renameat2(dirfd, "a", dirfd, "b",
                    RENAME_EXCHANGE | RENAME_NOREPLACE)));
            Posix.renameat2(dirfd, "a", dirfd, "c", 0);
            assertFalse(Files.exists(dir.resolve("a")));
            assumeTrue(root(), "whiteouts need CAP_MKNOD");
            Posix.renameat2(dirfd, "c", dirfd, "d", RENAME_WHITEOUT);
            Attributes whiteout = Posix.fstatat(dirfd, "c", AT_SYMLINK_NOFOLLOW).attributes();
            assertEquals(FileType.CHARACTER_DEVICE, whiteout.type());
            assertEquals(0, whiteout.rdev());
        }
    }

    @Nested
    class ModeOwnerTimes {
        @Test
        void chmodByDescriptorNameAndOpath() throws Exception {
            Files.writeString(dir.resolve("f"), "");
            try (Fd fd = Fd.of(Posix.openat(dirfd, "f", O_RDONLY | O_CLOEXEC, 0))) {
                Posix.fchmod(fd.value(), 0604);
                assertEquals(0604, Posix.fstat(fd.value()).attributes().permissions());
            }
            Posix.fchmodat(dirfd, "f", 04711, 0);
            assertEquals(04711, Posix.fstatat(dirfd, "f", 0).attributes().permissions());
            try (Fd path = Fd.of(Posix.openat(dirfd, "f", O_PATH | O_CLOEXEC, 0))) {
                assertEquals(Errno.EBADF, errnoOf(() -> Posix.fchmod(path.value(), 0600)));
                Posix.fchmodat2(path.value(), "", 0640, AT_EMPTY_PATH);
                assertEquals(0640, Posix.fstat(path.value()).attributes().permissions());
            }
            Files.createSymbolicLink(dir.resolve("l"), Path.of("f"));
            assertEquals(Errno.EOPNOTSUPP, errnoOf(() -> Posix.fchmodat2(dirfd, "l", 0600, AT_SYMLINK_NOFOLLOW)));
            assertEquals(Errno.ENOENT, errnoOf(() -> Posix.fchmodat(dirfd, "missing", 0600, 0)));
        }

        @Test
        void chownByDescriptorAndOpath() throws Exception {
            assumeTrue(root(), "chown to another user needs CAP_CHOWN");
            Files.writeString(dir.resolve("f"), "");
            Files.createSymbolicLink(dir.resolve("l"), Path.of("f"));
            try (Fd fd = Fd.of(Posix.openat(dirfd, "f", O_RDONLY | O_CLOEXEC, 0))) {
                Posix.fchown(fd.value(), 1234, -1);
                assertEquals(1234, Posix.fstat(fd.value()).attributes().uid());
                assertEquals(0, Posix.fstat(fd.value()).attributes().gid());
            }
            try (Fd link = Fd.of(Posix.openat(dirfd, "l", O_PATH | O_NOFOLLOW | O_CLOEXEC, 0))) {
                Posix.fchownat(link.value(), "", 4321, 4321, AT_EMPTY_PATH);
                assertEquals(4321, Posix.fstat(link.value()).attributes().uid());
            }
            assertEquals(1234, Posix.fstatat(dirfd, "f", 0).attributes().uid());
            Posix.fchownat(dirfd, "f", -1, 99, AT_SYMLINK_NOFOLLOW);
            assertEquals(99, Posix.fstatat(dirfd, "f", 0).attributes().gid());
        }

        @Test
        void utimensatSetsOmitsAndStampsNow() throws Exception {
            Files.writeString(dir.resolve("f"), "");
            Posix.utimensat(dirfd, "f", 1_000, 5, 2_000, 6, 0);
            Attributes a = Posix.fstatat(dirfd, "f", 0).attributes();
            assertEquals(1_000, a.atimeSeconds());
            assertEquals(5, a.atimeNanos());
            assertEquals(2_000, a.mtimeSeconds());
            assertEquals(6, a.mtimeNanos());

            try (Fd path = Fd.of(Posix.openat(dirfd, "f", O_PATH | O_CLOEXEC, 0))) {
                long before = System.currentTimeMillis() / 1000 - 2;
                Posix.utimensat(path.value(), "", 0, UTIME_OMIT, 0, UTIME_NOW, AT_EMPTY_PATH);
                Attributes b = Posix.fstat(path.value()).attributes();
                assertEquals(1_000, b.atimeSeconds());
                assertTrue(b.mtimeSeconds() >= before);
            }
            try (Fd fd = Fd.of(Posix.openat(dirfd, "f", O_RDONLY | O_CLOEXEC, 0))) {
                Posix.futimens(fd.value(), 7, 0, 0, UTIME_OMIT);
                assertEquals(7, Posix.fstat(fd.value()).attributes().atimeSeconds());
            }
            assertEquals(Errno.EINVAL, errnoOf(() -> Posix.utimensat(dirfd, "f", 0, 2_000_000_000L, 0, 0, 0)));
        }

        @Test
        void umaskAnswersThePreviousMask() {
            int original = Posix.umask(027);
            try {
                assertEquals(027, Posix.umask(077));
                assertEquals(077, Posix.umask(original));
            } finally {
                Posix.umask(original);
            }
        }

        @Test
        void fsCredentialsCreateAsTheCallerAndRestore() throws Exception {
            assumeTrue(root(), "setfsuid needs CAP_SETUID");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            Files.writeString(dir.resolve("private"), "");
            Files.setPosixFilePermissions(dir.resolve("private"), PosixFilePermissions.fromString("rw-------"));
            try (FsCredentials as = FsCredentials.assume(65534, 65533)) {
                assertEquals(65534, Posix.setfsuid(-1));
                assertEquals(65533, Posix.setfsgid(-1));
                Posix.mkdirat(dirfd, "mine", 0777);
                assertEquals(Errno.EACCES, errnoOf(() -> Posix.faccessat(dirfd, "private", R_OK, AT_EACCESS)));
                assertEquals(Errno.EACCES, errnoOf(() -> Posix.openat(dirfd, "private", O_RDONLY, 0)));
            }
            assertEquals(0, Posix.setfsuid(-1));
            assertEquals(0, Posix.setfsgid(-1));
            Attributes mine = Posix.fstatat(dirfd, "mine", 0).attributes();
            assertEquals(65534, mine.uid());
            assertEquals(65533, mine.gid());
            Posix.faccessat(dirfd, "private", R_OK, AT_EACCESS);
        }

        @Test
        void fsCredentialsTakeTheCallersGroupsOnThisThreadOnly() throws Exception {
            assumeTrue(root(), "setgroups needs CAP_SETGID");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Posix.mkdirat(dirfd, "team", 0770);
            Posix.fchownat(dirfd, "team", 0, 100, 0);
            Posix.fchmodat(dirfd, "team", 0770, 0);
            int[] before = Posix.threadGroups();
            // A thread started before the switch (threads inherit their creator's credentials) looks meanwhile.
            java.util.concurrent.CountDownLatch switched = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CompletableFuture<int[]> elsewhere = new java.util.concurrent.CompletableFuture<>();
            Thread other = Thread.ofPlatform().start(() -> {
                try {
                    switched.await();
                    elsewhere.complete(Posix.threadGroups());
                } catch (Exception e) {
                    elsewhere.completeExceptionally(e);
                }
            });
            int[] seenElsewhere;
            try (FsCredentials as = FsCredentials.assume(65534, 65534, new int[] {100})) {
                assertArrayEquals(new int[] {100}, Posix.threadGroups());
                Posix.mkdirat(dirfd, "team/mine", 0755);
                switched.countDown();
                seenElsewhere = elsewhere.get(10, TimeUnit.SECONDS);
            } finally {
                switched.countDown();
                other.join(10_000);
            }
            assertArrayEquals(before, seenElsewhere, "another thread keeps the process's groups");
            assertArrayEquals(before, Posix.threadGroups(), "restored on close");
            Attributes mine = Posix.fstatat(dirfd, "team/mine", 0).attributes();
            assertEquals(65534, mine.uid());
            try (FsCredentials as = FsCredentials.assume(65534, 65534, new int[0])) {
                assertEquals(Errno.EACCES, errnoOf(() -> Posix.mkdirat(dirfd, "team/other", 0755)));
            }
            assertArrayEquals(before, Posix.threadGroups());
        }

        @Test
        void fsCredentialsRefuseVirtualThreads() throws Exception {
            Throwable[] thrown = new Throwable[1];
            Thread thread = Thread.ofVirtual().start(() -> {
                try (FsCredentials as = FsCredentials.assume(0, 0)) {
                    thrown[0] = null;
                } catch (Throwable t) {
                    thrown[0] = t;
                }
            });
            assertTrue(thread.join(java.time.Duration.ofSeconds(10)));
            assertTrue(thrown[0] instanceof IllegalStateException, String.valueOf(thrown[0]));
        }
    }

    @Nested
    class Xattrs {
        @Test
        void descriptorXattrsSetGetListRemove() throws Exception {
            Files.writeString(dir.resolve("f"), "");
            try (Fd fd = Fd.of(Posix.openat(dirfd, "f", O_RDONLY | O_CLOEXEC, 0))) {
                int f = fd.value();
                Posix.fsetxattr(f, "user.color", bytes("blue"), 0);
                assertEquals(Errno.EEXIST, errnoOf(() -> Posix.fsetxattr(f, "user.color", bytes("red"), XATTR_CREATE)));
                assertEquals(Errno.ENODATA, errnoOf(() -> Posix.fsetxattr(f, "user.size", bytes("1"), XATTR_REPLACE)));
                assertEquals(4, Posix.fgetxattr(f, "user.color", MemorySegment.NULL));
                MemorySegment small = arena.allocate(2);
                assertEquals(Errno.ERANGE, errnoOf(() -> Posix.fgetxattr(f, "user.color", small)));
                MemorySegment value = arena.allocate(64);
                assertEquals(4, Posix.fgetxattr(f, "user.color", value));
                assertEquals("blue", text(value, 4));
                Posix.fsetxattr(f, "user.empty", MemorySegment.NULL, 0);
                assertEquals(0, Posix.fgetxattr(f, "user.empty", value));

                int size = Posix.flistxattr(f, MemorySegment.NULL);
                MemorySegment list = arena.allocate(size);
                assertEquals(size, Posix.flistxattr(f, list));
                assertTrue(text(list, size).contains("user.color\0"));
                assertTrue(text(list, size).contains("user.empty\0"));

                Posix.fremovexattr(f, "user.color");
                assertEquals(Errno.ENODATA, errnoOf(() -> Posix.fgetxattr(f, "user.color", value)));
                assertEquals(Errno.ENODATA, errnoOf(() -> Posix.fremovexattr(f, "user.color")));
                assertEquals(Errno.EOPNOTSUPP, errnoOf(() -> Posix.fsetxattr(f, "bogus.ns", bytes("x"), 0)));
            }
        }

        @Test
        void opathDescriptorsUseTheProcPathVariants() throws Exception {
            Files.writeString(dir.resolve("f"), "");
            try (Fd fd = Fd.of(Posix.openat(dirfd, "f", O_PATH | O_CLOEXEC, 0))) {
                assertEquals(Errno.EBADF, errnoOf(() -> Posix.fgetxattr(fd.value(), "user.a", MemorySegment.NULL)));
                String proc = Posix.procFdPath(fd.value());
                Posix.setxattr(proc, "user.a", bytes("1"), 0);
                MemorySegment value = arena.allocate(8);
                assertEquals(1, Posix.getxattr(proc, "user.a", value));
                int size = Posix.listxattr(proc, arena.allocate(256));
                assertTrue(size >= "user.a".length() + 1);
                Posix.removexattr(proc, "user.a");
                assertEquals(Errno.ENODATA, errnoOf(() -> Posix.getxattr(proc, "user.a", value)));
            }
            String path = dir.resolve("f").toString();
            Posix.lsetxattr(path, "user.b", bytes("22"), 0);
            assertEquals(2, Posix.lgetxattr(path, "user.b", MemorySegment.NULL));
            assertTrue(Posix.llistxattr(path, MemorySegment.NULL) > 0);
            Posix.lremovexattr(path, "user.b");
            Files.createSymbolicLink(dir.resolve("l"), Path.of("f"));
            assertEquals(Errno.EPERM,
                    errnoOf(() -> Posix.lsetxattr(dir.resolve("l").toString(), "user.c", bytes("1"), 0)));
        }
    }
}
