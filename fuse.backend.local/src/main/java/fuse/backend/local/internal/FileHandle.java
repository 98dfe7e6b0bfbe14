package fuse.backend.local.internal;

import static fuse.posix.Linux.O_APPEND;
import static fuse.posix.Linux.O_CLOEXEC;
import static fuse.posix.Linux.O_DIRECT;
import static fuse.posix.Linux.O_ACCMODE;
import static fuse.posix.Linux.AT_FDCWD;

import fuse.api.Handle;
import fuse.posix.Posix;
import fuse.posix.PosixException;

/**
 * An open regular file: the host descriptor opened with the caller's flags. For a passthrough open it is also the
 * backing file the kernel reads and writes; the handle still serves read and write for the mount's fallback.
 */
final class FileHandle implements Handle {
    final LocalNode node;
    private final int fd;
    final int flags;
    final boolean passthrough;
    private int bufferedFd = -1;
    private volatile boolean released;

    FileHandle(LocalNode node, int fd, int flags, boolean passthrough) {
        this.node = node;
        this.fd = fd;
        this.flags = flags;
        this.passthrough = passthrough;
    }

    /**
     * The host descriptor. After release its number may already name another file, so a late use fails with
     * EBADF instead (the mount never uses a released handle; this keeps a bug from touching the wrong file).
     */
    int fd() throws PosixException {
        if (released) {
            throw new PosixException(fuse.api.Errno.EBADF, "file handle", "released");
        }
        return fd;
    }

    boolean writable() {
        return (flags & O_ACCMODE) != 0;
    }

    /**
     * The descriptor Java-served reads and writes use. An {@code O_DIRECT} descriptor needs aligned buffers, which
     * the mount's reply memory need not be, so those go through a second, buffered descriptor of the same file
     * (opened once, on the first such call).
     */
    synchronized int ioFd() throws PosixException {
        if ((flags & O_DIRECT) == 0) {
            return fd();
        }
        fd();
        if (bufferedFd < 0) {
            // The magic link of a regular file's descriptor is that file: no name is resolved again.
            bufferedFd = Posix.openat(AT_FDCWD, Posix.procFdPath(fd),
                    (flags & (O_ACCMODE | O_APPEND)) | O_CLOEXEC, 0);
        }
        return bufferedFd;
    }

    synchronized void close() {
        if (released) {
            return;
        }
        released = true;
        Posix.closeQuietly(bufferedFd);
        Posix.closeQuietly(fd);
    }

    @Override
    public String toString() {
        return "FileHandle[" + node + " fd " + fd + (passthrough ? " passthrough" : " served") + "]";
    }
}
