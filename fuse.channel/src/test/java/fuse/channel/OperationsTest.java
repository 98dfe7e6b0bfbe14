package fuse.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import fuse.api.FileType;
import fuse.channel.kernel.FuseOpcode;
import fuse.testkit.Wait;

/** Each opcode family through the real kernel: ordinary system calls on the mount, answered by {@link MemoryFs}. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OperationsTest {
    @RegisterExtension
    final MountFixture fixture = new MountFixture();

    private final MemoryFs fs = new MemoryFs();

    private Path mount() throws Exception {
        return fixture.mount(fs).mountpoint();
    }

    private static long count(MemoryFs fs, FuseOpcode op) {
        return fs.count(op.code());
    }

    /**
     * The kernel sends RELEASE and RELEASEDIR in the background after the last close, so they may reach the
     * server a little after the closing call returned: wait (bounded) for the first one.
     */
    private static void awaitReleased(MemoryFs fs, FuseOpcode op) {
        Wait.until(Duration.ofSeconds(5), "the first " + op, () -> count(fs, op) > 0);
    }

    @Test
    void lookupGetattrAndReaddirPlusOfTenThousandEntries() throws Exception {
        MemoryFs.Node big = fs.addDirectory(fs.root, "big");
        for (int i = 0; i < 10_000; i++) {
            fs.addFile(big, "f" + i, new byte[i % 7]);
        }
        Path mnt = mount();
        List<String> names = Io.within(Duration.ofSeconds(30), "list 10k entries", () -> {
            try (Stream<Path> list = Files.list(mnt.resolve("big"))) {
                return list.map(p -> p.getFileName().toString()).sorted().toList();
            }
        });
        assertEquals(10_000, names.size());
        assertTrue(names.contains("f0") && names.contains("f9999"));
        assertTrue(count(fs, FuseOpcode.READDIRPLUS) > 0, "READDIRPLUS used");
        assertTrue(count(fs, FuseOpcode.OPENDIR) > 0);
        awaitReleased(fs, FuseOpcode.RELEASEDIR);

        long size = Io.within("stat f1234", () -> Files.size(mnt.resolve("big/f1234")));
        assertEquals(1234 % 7, size);
        assertTrue(Io.within("stat big", () -> Files.isDirectory(mnt.resolve("big"))));
        assertFalse(Io.within("stat missing", () -> Files.exists(mnt.resolve("big/nope"))));
        assertTrue(count(fs, FuseOpcode.LOOKUP) > 0);

        String dots = Shell.python("import os,sys; print(sorted(e.name for e in os.scandir(sys.argv[1]))[:2],"
                + " len(os.listdir(sys.argv[1])))", mnt.resolve("big").toString()).orFail().out().trim();
        assertEquals("['f0', 'f1'] 10000", dots);
        String withDots = Shell.run(Duration.ofSeconds(20), "ls", "-a", mnt.toString()).orFail().out();
        assertEquals(List.of(".", "..", "big"), withDots.lines().toList());
    }

    @Test
    void createWriteReadTruncateSyncAndUnlink() throws Exception {
        Path mnt = mount();
        Path file = mnt.resolve("data.bin");
        byte[] content = new byte[3 * 1024 * 1024 + 123];
        new Random(42).nextBytes(content);
        Io.run("write", () -> Files.write(file, content));
        assertTrue(count(fs, FuseOpcode.CREATE) == 1, "open(O_CREAT) is CREATE");
        assertTrue(count(fs, FuseOpcode.WRITE) >= 4, "max_write is 1 MiB: several WRITEs");
        assertArrayEquals(content, java.util.Arrays.copyOf(fs.child(fs.root, "data.bin").data, content.length));
        assertArrayEquals(content, Io.within("read", () -> Files.readAllBytes(file)));

        Io.run("truncate and sync", () -> {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(1000);
                channel.write(ByteBuffer.wrap("tail".getBytes(StandardCharsets.UTF_8)), 1000);
                channel.force(true);
                channel.force(false);
            }
        });
        assertEquals(1004, Io.within("size", () -> Files.size(file)));
        assertTrue(count(fs, FuseOpcode.SETATTR) >= 1 && count(fs, FuseOpcode.FSYNC) >= 2);
        assertTrue(count(fs, FuseOpcode.FLUSH) >= 1);
        awaitReleased(fs, FuseOpcode.RELEASE);

        Io.run("open with O_TRUNC", () -> Files.writeString(file, "short", StandardOpenOption.TRUNCATE_EXISTING));
        assertEquals("short", Io.within("read", () -> Files.readString(file)));

        Io.run("unlink", () -> Files.delete(file));
        assertFalse(Io.within("exists", () -> Files.exists(file)));
        assertEquals(null, fs.child(fs.root, "data.bin"));
        assertEquals(List.of(), fs.failures());
    }

    @Test
    void mkdirMknodRmdirAndRenameWithFlags() throws Exception {
        Path mnt = mount();
        Io.run("mkdir", () -> Files.createDirectories(mnt.resolve("a/b")));
        assertTrue(Io.within("stat", () -> Files.isDirectory(mnt.resolve("a/b"))));
        assertThrows(DirectoryNotEmptyException.class, () -> Io.run("rmdir", () -> Files.delete(mnt.resolve("a"))));
        Io.run("rename dir", () -> Files.move(mnt.resolve("a/b"), mnt.resolve("c")));
        assertTrue(count(fs, FuseOpcode.RENAME) >= 1, "rename(2) without flags is RENAME");
        Io.run("rmdir", () -> Files.delete(mnt.resolve("a")));
        Io.run("files", () -> {
            Files.writeString(mnt.resolve("x"), "x");
            Files.writeString(mnt.resolve("y"), "y");
        });

        String script = """
                import ctypes, os, sys
                libc = ctypes.CDLL(None, use_errno=True)
                def renameat2(a, b, flags):
                    rc = libc.renameat2(-100, a.encode(), -100, b.encode(), flags)
                    return 0 if rc == 0 else ctypes.get_errno()
                d = sys.argv[1]
                print(renameat2(d + '/x', d + '/y', 1))   # RENAME_NOREPLACE onto an existing name: EEXIST (17)
                print(renameat2(d + '/x', d + '/y', 2))   # RENAME_EXCHANGE
                print(open(d + '/x').read(), open(d + '/y').read())
                print(renameat2(d + '/x', d + '/z', 1))   # RENAME_NOREPLACE onto a free name
                os.mkfifo(d + '/fifo', 0o640)
                print(oct(os.stat(d + '/fifo').st_mode))
                """;
        List<String> out = Shell.python(script, mnt.toString()).orFail().out().lines().toList();
        assertEquals(List.of("17", "0", "y x", "0", "0o10640"), out);
        // NOREPLACE onto a name the kernel already knows fails in the VFS; the other two reach the server.
        assertEquals(2, count(fs, FuseOpcode.RENAME2), "renameat2 with flags is RENAME2");
        assertEquals(FileType.FIFO, FileType.ofMode(fs.child(fs.root, "fifo").mode));
        assertEquals(1, count(fs, FuseOpcode.MKNOD));
    }

    @Test
    void symlinkReadlinkAndHardLink() throws Exception {
        Path mnt = mount();
        Io.run("write", () -> Files.writeString(mnt.resolve("file"), "content"));
        Io.run("symlink", () -> Files.createSymbolicLink(mnt.resolve("link"), Path.of("some/where/../file")));
        assertEquals(Path.of("some/where/../file"),
                Io.within("readlink", () -> Files.readSymbolicLink(mnt.resolve("link"))));
        Io.run("ln -s", () -> Shell.run(Duration.ofSeconds(10), "ln", "-s", "file", mnt.resolve("l2").toString())
                .orFail());
        assertEquals("content", Io.within("read through link", () -> Files.readString(mnt.resolve("l2"))));
        Io.run("link", () -> Files.createLink(mnt.resolve("hard"), mnt.resolve("file")));
        assertEquals(2, (int) Io.within("nlink", () -> Files.getAttribute(mnt.resolve("file"), "unix:nlink")));
        assertEquals("content", Io.within("read hard link", () -> Files.readString(mnt.resolve("hard"))));
        assertTrue(count(fs, FuseOpcode.SYMLINK) == 2 && count(fs, FuseOpcode.LINK) == 1);
    }

    @Test
    void setattrModeOwnerTimesAndSize() throws Exception {
        Path mnt = mount();
        Path file = mnt.resolve("f");
        Io.run("write", () -> Files.writeString(file, "0123456789"));
        Io.run("chmod", () -> Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-x---")));
        assertEquals(0750, fs.child(fs.root, "f").mode & 07777);
        assertEquals(FileType.REGULAR, FileType.ofMode(fs.child(fs.root, "f").mode), "type bits kept");

        Instant past = Instant.parse("2001-02-03T04:05:06.789Z");
        Io.run("set mtime", () -> Files.setLastModifiedTime(file, FileTime.from(past)));
        assertEquals(past.getEpochSecond(), fs.child(fs.root, "f").mtime.seconds());
        assertEquals(past.getNano(), fs.child(fs.root, "f").mtime.nanos());
        assertEquals(FileTime.from(past), Io.within("stat", () -> Files.getLastModifiedTime(file)));

        Shell.python("import os,sys; os.utime(sys.argv[1]); os.chown(sys.argv[1], 1234, 4321);"
                + " os.truncate(sys.argv[1], 4)", file.toString()).orFail();
        MemoryFs.Node node = fs.child(fs.root, "f");
        assertTrue(Math.abs(node.mtime.seconds() - Instant.now().getEpochSecond()) < 60, "UTIME_NOW resolved");
        assertEquals(1234, node.uid);
        assertEquals(4321, node.gid);
        assertEquals(4, node.size);
        assertEquals("0123", Io.within("read", () -> Files.readString(file)));
    }

    @Test
    void extendedAttributes() throws Exception {
        Path mnt = mount();
        Io.run("write", () -> Files.writeString(mnt.resolve("f"), "x"));
        String script = """
                import errno, os, sys
                f = sys.argv[1]
                os.setxattr(f, 'user.a', b'alpha')
                os.setxattr(f, 'user.big', b'z' * 32768)
                try:
                    os.setxattr(f, 'user.a', b'again', os.XATTR_CREATE)
                except OSError as e:
                    print('create', errno.errorcode[e.errno])
                try:
                    os.setxattr(f, 'user.none', b'v', os.XATTR_REPLACE)
                except OSError as e:
                    print('replace', errno.errorcode[e.errno])
                print(os.getxattr(f, 'user.a').decode(), len(os.getxattr(f, 'user.big')))
                print(sorted(os.listxattr(f)))
                os.removexattr(f, 'user.a')
                try:
                    os.getxattr(f, 'user.a')
                except OSError as e:
                    print('get', errno.errorcode[e.errno])
                print(os.listxattr(f))
                """;
        List<String> out = Shell.python(script, mnt.resolve("f").toString()).orFail().out().lines().toList();
        assertEquals(List.of("create EEXIST", "replace ENODATA", "alpha 32768", "['user.a', 'user.big']",
                "get ENODATA", "['user.big']"), out);
        assertTrue(count(fs, FuseOpcode.SETXATTR) >= 4 && count(fs, FuseOpcode.GETXATTR) >= 3);
        assertTrue(count(fs, FuseOpcode.LISTXATTR) >= 2 && count(fs, FuseOpcode.REMOVEXATTR) == 1);
    }

    @Test
    void statfs() throws Exception {
        Path mnt = mount();
        String out = Shell.python("import os,sys; s = os.statvfs(sys.argv[1]);"
                + " print(s.f_blocks, s.f_bfree, s.f_bavail, s.f_files, s.f_ffree, s.f_bsize, s.f_frsize,"
                + " s.f_namemax)", mnt.toString()).orFail().out().trim();
        assertEquals("1000 600 500 100 42 4096 4096 255", out);
    }

    @Test
    void fallocateAndSeekDataSeekHole() throws Exception {
        Path mnt = mount();
        Path file = mnt.resolve("sparse");
        String script = """
                import os, sys
                f = sys.argv[1]
                fd = os.open(f, os.O_CREAT | os.O_RDWR, 0o644)
                os.pwrite(fd, b'a' * 4096, 0)
                os.pwrite(fd, b'b' * 4096, 1 << 20)
                size = os.fstat(fd).st_size
                print(size, os.lseek(fd, 0, os.SEEK_DATA), os.lseek(fd, 0, os.SEEK_HOLE),
                      os.lseek(fd, 4096, os.SEEK_DATA), os.lseek(fd, 1 << 20, os.SEEK_HOLE))
                os.posix_fallocate(fd, 0, 3 << 20)
                print(os.fstat(fd).st_size, os.lseek(fd, 4096, os.SEEK_DATA))
                os.close(fd)
                """;
        List<String> out = Shell.python(script, file.toString()).orFail().out().lines().toList();
        assertEquals(List.of("1052672 0 4096 1048576 1052672", "3145728 4096"), out);
        Shell.run(Duration.ofSeconds(10), "fallocate", "--punch-hole", "--offset", "0", "--length", "8192",
                file.toString()).orFail();
        String after = Shell.python("import os,sys; fd = os.open(sys.argv[1], os.O_RDONLY);"
                + " print(os.fstat(fd).st_size, os.lseek(fd, 0, os.SEEK_DATA), os.pread(fd, 4, 0))",
                file.toString()).orFail().out().trim();
        assertEquals("3145728 8192 b'\\x00\\x00\\x00\\x00'", after);
        assertTrue(count(fs, FuseOpcode.FALLOCATE) >= 2 && count(fs, FuseOpcode.LSEEK) >= 5);
    }

    @Test
    void copyFileRangeWith64BitReply() throws Exception {
        Path mnt = mount();
        assertEquals("abcdef|cdef", copyFileRange(mnt));
        assertTrue(count(fs, FuseOpcode.COPY_FILE_RANGE_64) >= 1, "6.18 sends COPY_FILE_RANGE_64");
    }

    @Test
    void copyFileRangeFallsBackToThe32BitOpcode() throws Exception {
        fs.refuseCopyFileRange64 = true;
        Path mnt = mount();
        assertEquals("abcdef|cdef", copyFileRange(mnt));
        assertEquals(1, count(fs, FuseOpcode.COPY_FILE_RANGE_64), "answered ENOSYS once");
        assertTrue(count(fs, FuseOpcode.COPY_FILE_RANGE) >= 1, "then the kernel uses COPY_FILE_RANGE");
    }

    @Test
    void opcodesTheChannelAnswersItselfDegradeGracefully() throws Exception {
        Path mnt = mount();
        Io.run("write", () -> Files.writeString(mnt.resolve("f"), "x"));
        String script = """
                import errno, fcntl, os, sys
                fd = os.open(sys.argv[1], os.O_RDWR)
                try:
                    fcntl.ioctl(fd, 0x7842)  # _IO('x', 0x42): no argument to copy
                except OSError as e:
                    print('ioctl', errno.errorcode[e.errno])
                fcntl.flock(fd, fcntl.LOCK_EX)              # kept by the kernel: no FLOCK_LOCKS
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB) # kept by the kernel: no POSIX_LOCKS
                print('locks ok')
                os.close(fd)
                """;
        List<String> out = Shell.python(script, mnt.resolve("f").toString()).orFail().out().lines().toList();
        assertEquals(List.of("ioctl ENOTTY", "locks ok"), out);
        // statx asking for the birth time: the kernel tries STATX (ENOSYS by the channel) and falls back.
        String statx = Shell.run(Duration.ofSeconds(10), "stat", "--format=%s %W", mnt.resolve("f").toString())
                .orFail().out().trim();
        assertEquals("1 0", statx);
        assertEquals(List.of(), fs.failures());
    }

    private static String copyFileRange(Path mnt) throws Exception {
        String script = """
                import os, sys
                d = sys.argv[1]
                with open(d + '/src', 'w') as f: f.write('abcdef')
                src = os.open(d + '/src', os.O_RDONLY)
                dst = os.open(d + '/dst', os.O_CREAT | os.O_WRONLY, 0o644)
                n = os.copy_file_range(src, dst, 4, 2, 0)
                os.close(src); os.close(dst)
                print(open(d + '/src').read() + '|' + open(d + '/dst').read()[:n])
                """;
        return Shell.python(script, mnt.toString()).orFail().out().trim();
    }
}
