package fuse.testkit.posix;

import static fuse.posix.Linux.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import fuse.api.Attributes;
import fuse.api.FileSystemStats;
import fuse.api.FileType;
import fuse.api.FuseException;
import fuse.api.TimeSpec;
import fuse.posix.FsCredentials;
import fuse.posix.Posix;

/**
 * {@link PosixDriver} by real system calls on paths under {@code base}: the host's file system, or a FUSE
 * mountpoint. Calls happen on the calling thread; through a mount, call from a thread the test can abandon.
 */
public final class PathDriver implements PosixDriver {
    private final Path base;
    private final int uid;
    private final int gid;

    public PathDriver(Path base) {
        this(base, -1, -1);
    }

    private PathDriver(Path base, int uid, int gid) {
        this.base = base;
        this.uid = uid;
        this.gid = gid;
    }

    @Override
    public PosixDriver as(int newUid, int newGid) {
        return new PathDriver(base, newUid, newGid);
    }

    private String abs(String path) {
        return path.isEmpty() ? base.toString() : base.resolve(path).toString();
    }

    @FunctionalInterface
    private interface Call<T> {
        T run() throws FuseException;
    }

    private <T> T run(Call<T> call) throws FuseException {
        if (uid < 0) {
            return call.run();
        }
        try (FsCredentials as = FsCredentials.assume(uid, gid)) {
            return call.run();
        }
    }

    private void exec(Call<?> call) throws FuseException {
        run(call);
    }

    @Override
    public Attributes lstat(String path) throws FuseException {
        return run(() -> Posix.fstatat(AT_FDCWD, abs(path), AT_SYMLINK_NOFOLLOW).attributes());
    }

    @Override
    public void mkdir(String path, int mode) throws FuseException {
        exec(() -> {
            Posix.mkdirat(AT_FDCWD, abs(path), mode);
            return null;
        });
    }

    @Override
    public void mknod(String path, int mode, long rdev) throws FuseException {
        exec(() -> {
            Posix.mknodat(AT_FDCWD, abs(path), mode, rdev);
            return null;
        });
    }

    @Override
    public void symlink(String target, String path) throws FuseException {
        exec(() -> {
            Posix.symlinkat(target, AT_FDCWD, abs(path));
            return null;
        });
    }

    @Override
    public String readlink(String path) throws FuseException {
        return run(() -> Posix.readlinkat(AT_FDCWD, abs(path)));
    }

    @Override
    public void link(String existing, String path) throws FuseException {
        exec(() -> {
            Posix.linkat(AT_FDCWD, abs(existing), AT_FDCWD, abs(path), 0);
            return null;
        });
    }

    @Override
    public void unlink(String path) throws FuseException {
        exec(() -> {
            Posix.unlinkat(AT_FDCWD, abs(path), 0);
            return null;
        });
    }

    @Override
    public void rmdir(String path) throws FuseException {
        exec(() -> {
            Posix.unlinkat(AT_FDCWD, abs(path), AT_REMOVEDIR);
            return null;
        });
    }

    @Override
    public void rename(String from, String to, int flags) throws FuseException {
        exec(() -> {
            Posix.renameat2(AT_FDCWD, abs(from), AT_FDCWD, abs(to), flags);
            return null;
        });
    }

    @Override
    public void chmod(String path, int mode) throws FuseException {
        exec(() -> {
            Posix.fchmodat(AT_FDCWD, abs(path), mode, 0);
            return null;
        });
    }

    @Override
    public void chown(String path, int newUid, int newGid) throws FuseException {
        exec(() -> {
            Posix.fchownat(AT_FDCWD, abs(path), newUid, newGid, AT_SYMLINK_NOFOLLOW);
            return null;
        });
    }

    @Override
    public void utimens(String path, TimeSpec atime, TimeSpec mtime) throws FuseException {
        exec(() -> {
            Posix.utimensat(AT_FDCWD, abs(path), seconds(atime), nanos(atime), seconds(mtime), nanos(mtime),
                    AT_SYMLINK_NOFOLLOW);
            return null;
        });
    }

    static long seconds(TimeSpec t) {
        return t == null || t.isNow() ? 0 : t.seconds();
    }

    static long nanos(TimeSpec t) {
        return t == null ? UTIME_OMIT : t.isNow() ? UTIME_NOW : t.nanos();
    }

    @Override
    public void truncate(String path, long size) throws FuseException {
        exec(() -> {
            Posix.truncate(abs(path), size);
            return null;
        });
    }

    @Override
    public OpenFile open(String path, int flags, int mode) throws FuseException {
        int fd = run(() -> Posix.openat(AT_FDCWD, abs(path), flags | O_CLOEXEC, mode));
        return new FdFile(fd);
    }

    @Override
    public List<DirEntry> list(String path, long offset, int max) throws FuseException {
        int fd = run(() -> Posix.openat(AT_FDCWD, abs(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0));
        List<DirEntry> entries = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(16 * 1024);
            Posix.lseek(fd, offset, SEEK_SET);
            while (entries.size() < max && Posix.readDirectory(fd, buffer, (inode, next, type, name) -> {
                if (entries.size() == max) {
                    return false;
                }
                entries.add(new DirEntry(name, inode, type(type), next));
                return true;
            })) {
                // next batch
            }
        } finally {
            Posix.closeQuietly(fd);
        }
        return entries;
    }

    static FileType type(int direntType) {
        for (FileType t : FileType.values()) {
            if (t.direntType() == direntType) {
                return t;
            }
        }
        return null;
    }

    @Override
    public void setxattr(String path, String name, byte[] value, int flags) throws FuseException {
        exec(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment v = value.length == 0 ? MemorySegment.NULL : arena.allocateFrom(ValueLayout.JAVA_BYTE, value);
                Posix.lsetxattr(abs(path), name, v, flags);
            }
            return null;
        });
    }

    @Override
    public byte[] getxattr(String path, String name) throws FuseException {
        return run(() -> {
            try (Arena arena = Arena.ofConfined()) {
                int size = Posix.lgetxattr(abs(path), name, MemorySegment.NULL);
                MemorySegment value = arena.allocate(Math.max(1, size));
                int n = Posix.lgetxattr(abs(path), name, size == 0 ? MemorySegment.NULL : value);
                return value.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
            }
        });
    }

    @Override
    public List<String> listxattr(String path) throws FuseException {
        return run(() -> {
            try (Arena arena = Arena.ofConfined()) {
                int size = Posix.llistxattr(abs(path), MemorySegment.NULL);
                if (size == 0) {
                    return List.of();
                }
                MemorySegment list = arena.allocate(size);
                int n = Posix.llistxattr(abs(path), list);
                return names(list, n);
            }
        });
    }

    static List<String> names(MemorySegment list, int length) {
        String all = new String(list.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        List<String> names = new ArrayList<>();
        for (String name : all.split("\0")) {
            if (!name.isEmpty()) {
                names.add(name);
            }
        }
        return names;
    }

    @Override
    public void removexattr(String path, String name) throws FuseException {
        exec(() -> {
            Posix.lremovexattr(abs(path), name);
            return null;
        });
    }

    @Override
    public FileSystemStats statfs(String path) throws FuseException {
        return run(() -> Posix.statfs(abs(path)));
    }

    @Override
    public void access(String path, int mask) throws FuseException {
        exec(() -> {
            Posix.faccessat(AT_FDCWD, abs(path), mask, AT_EACCESS);
            return null;
        });
    }

    private static final class FdFile implements OpenFile {
        private final int fd;

        FdFile(int fd) {
            this.fd = fd;
        }

        @Override
        public int read(long offset, byte[] into) throws FuseException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buffer = arena.allocate(Math.max(1, into.length));
                int n = (int) Posix.preadFully(fd, buffer.asSlice(0, into.length), offset);
                MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, into, 0, n);
                return n;
            }
        }

        @Override
        public int write(long offset, byte[] data) throws FuseException {
            try (Arena arena = Arena.ofConfined()) {
                return (int) Posix.pwriteFully(fd, arena.allocateFrom(ValueLayout.JAVA_BYTE, data), offset);
            }
        }

        @Override
        public Attributes stat() throws FuseException {
            return Posix.fstat(fd).attributes();
        }

        @Override
        public void fsync(boolean dataOnly) throws FuseException {
            if (dataOnly) {
                Posix.fdatasync(fd);
            } else {
                Posix.fsync(fd);
            }
        }

        @Override
        public void fallocate(int mode, long offset, long length) throws FuseException {
            Posix.fallocate(fd, mode, offset, length);
        }

        @Override
        public long seek(long offset, int whence) throws FuseException {
            return Posix.lseek(fd, offset, whence);
        }

        @Override
        public long copyTo(long offset, OpenFile out, long outOffset, long length) throws FuseException {
            return Posix.copyFileRange(fd, offset, ((FdFile) out).fd, outOffset, length, 0);
        }

        @Override
        public void close() {
            Posix.closeQuietly(fd);
        }
    }
}
