package fuse.backend.overlay.internal;

import static fuse.posix.Linux.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import fuse.api.Errno;
import fuse.posix.Posix;
import fuse.posix.PosixException;

/** {@link Ops} as system calls under a host directory (a kernel overlay mount). */
final class HostOps implements Ops {
    private final String root;

    HostOps(String root) {
        this.root = root;
    }

    private String full(String path) {
        return root + "/" + path;
    }

    @FunctionalInterface
    private interface Call {
        void run() throws PosixException;
    }

    private static Errno run(Call call) {
        try {
            call.run();
            return null;
        } catch (PosixException e) {
            return e.errno();
        }
    }

    @Override
    public Errno write(String path, long offset, byte[] data, boolean create, boolean truncate, int mode) {
        return run(() -> {
            // O_NONBLOCK: a FIFO fails (ENXIO) instead of waiting for a reader; regular files ignore it.
            int flags = O_WRONLY | O_CLOEXEC | O_NONBLOCK | (create ? O_CREAT : 0) | (truncate ? O_TRUNC : 0);
            int fd = Posix.openat(AT_FDCWD, full(path), flags, mode);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buffer = arena.allocate(Math.max(1, data.length));
                MemorySegment.copy(data, 0, buffer, ValueLayout.JAVA_BYTE, 0, data.length);
                Posix.pwriteFully(fd, buffer.asSlice(0, data.length), offset);
            } finally {
                Posix.close(fd);
            }
        });
    }

    @Override
    public Errno readAll(String path, byte[][] out) {
        return run(() -> out[0] = Tree.readHost(full(path)));
    }

    @Override
    public Errno truncate(String path, long size) {
        return run(() -> Posix.truncate(full(path), size));
    }

    @Override
    public Errno chmod(String path, int mode) {
        return run(() -> Posix.fchmodat(AT_FDCWD, full(path), mode, 0));
    }

    @Override
    public Errno setxattr(String path, String name, byte[] value) {
        return run(() -> XattrIo.set(full(path), name, value, 0, false));
    }

    @Override
    public Errno removexattr(String path, String name) {
        return run(() -> {
            if (!XattrIo.remove(full(path), name, false)) {
                throw new PosixException(Errno.ENODATA, "lremovexattr", path);
            }
        });
    }

    @Override
    public Errno unlink(String path) {
        return run(() -> Posix.unlinkat(AT_FDCWD, full(path), 0));
    }

    @Override
    public Errno mkdir(String path, int mode) {
        return run(() -> Posix.mkdirat(AT_FDCWD, full(path), mode));
    }

    @Override
    public Errno rmdir(String path) {
        return run(() -> Posix.unlinkat(AT_FDCWD, full(path), AT_REMOVEDIR));
    }

    @Override
    public Errno rename(String from, String to, int flags) {
        return run(() -> Posix.renameat2(AT_FDCWD, full(from), AT_FDCWD, full(to), flags));
    }

    @Override
    public Errno symlink(String target, String path) {
        return run(() -> Posix.symlinkat(target, AT_FDCWD, full(path)));
    }

    @Override
    public Errno link(String from, String to) {
        return run(() -> Posix.linkat(AT_FDCWD, full(from), AT_FDCWD, full(to), 0));
    }

    @Override
    public Errno mkfifo(String path, int mode) {
        return run(() -> Posix.mknodat(AT_FDCWD, full(path), S_IFIFO | mode, 0));
    }

    @Override
    public Errno utimes(String path, long mtimeSeconds) {
        return run(() -> Posix.utimensat(AT_FDCWD, full(path), 0, UTIME_OMIT, mtimeSeconds, 0, AT_SYMLINK_NOFOLLOW));
    }
}
