package fuse.posix.nodes;

import static fuse.posix.Linux.AT_FDCWD;
import static fuse.posix.Linux.O_ACCMODE;
import static fuse.posix.Linux.O_APPEND;
import static fuse.posix.Linux.O_CLOEXEC;
import static fuse.posix.Linux.O_DIRECT;
import static fuse.posix.Linux.SEEK_DATA;
import static fuse.posix.Linux.SEEK_HOLE;

import java.lang.foreign.MemorySegment;

import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.api.Handle;
import fuse.posix.Posix;
import fuse.posix.PosixException;
import fuse.posix.Privileges;

/**
 * An open host file as a backend's {@link Handle}: the descriptor the backend opened with the caller's flags (for
 * a passthrough open also the backing file the kernel reads and writes, while this still serves the mount's
 * fallback reads and writes), and the file operations a backend that mirrors host files answers on it, each as
 * the host's own system call. A backend extends it with what it keeps per open file.
 *
 * <p>After {@link #close} every operation fails with {@code EBADF}: the descriptor's number may already name
 * another file (the mount never uses a released handle; this keeps a bug from touching the wrong file).
 */
public class HostFile implements Handle {
    private final int fd;
    private final int flags;
    /** A buffered twin of an {@code O_DIRECT} descriptor, opened at the first served read or write. */
    private int bufferedFd = -1;
    private volatile boolean closed;

    /**
     * @param fd the open descriptor, owned from now on (closed by {@link #close})
     * @param flags the flags it was opened with ({@code O_ACCMODE}, {@code O_DIRECT}, {@code O_APPEND}...)
     */
    protected HostFile(int fd, int flags) {
        this.fd = fd;
        this.flags = flags;
    }

    /** The descriptor; {@code EBADF} once closed. */
    public final int fd() throws PosixException {
        if (closed) {
            throw new PosixException(Errno.EBADF, "file handle", "released");
        }
        return fd;
    }

    public final int flags() {
        return flags;
    }

    /** Opened for writing (or reading and writing). */
    public final boolean writable() {
        return (flags & O_ACCMODE) != 0;
    }

    /** {@code pread} until {@code buffer} is full or the file ends; the number of bytes read. */
    public int read(long offset, MemorySegment buffer) throws FuseException {
        return (int) Posix.preadFully(ioFd(), buffer, offset);
    }

    /**
     * {@code pwrite} of all of {@code data}; the number of bytes written.
     *
     * @param killPrivileges clear set-user-ID/set-group-ID and capabilities first ({@link Privileges#kill})
     */
    public int write(long offset, MemorySegment data, boolean killPrivileges) throws FuseException {
        if (killPrivileges) {
            Privileges.kill(fd());
        }
        return (int) Posix.pwriteFully(ioFd(), data, offset);
    }

    /**
     * {@code close(2)} semantics for the host file without closing this descriptor: {@code close(dup(fd))}, which
     * gives the host file system its close-time hook (NFS and CIFS write back and report errors there).
     */
    public void flush() throws FuseException {
        Posix.close(Posix.dup(fd()));
    }

    public void fsync(boolean dataOnly) throws FuseException {
        Posix.fsync(fd(), dataOnly);
    }

    public void fallocate(int mode, long offset, long length) throws FuseException {
        Posix.fallocate(fd(), mode, offset, length);
    }

    /** {@code lseek} for {@code SEEK_DATA} and {@code SEEK_HOLE}, the only seeks FUSE sends; EINVAL for others. */
    public long seek(long offset, int whence) throws FuseException {
        if (whence != SEEK_DATA && whence != SEEK_HOLE) {
            throw new FuseException(Errno.EINVAL, "lseek whence " + whence + " is the kernel's");
        }
        return Posix.lseek(fd(), offset, whence);
    }

    /** {@code copy_file_range} from this file at {@code offset} to {@code out}; the number of bytes copied. */
    public long copyTo(long offset, HostFile out, long outOffset, long length, int copyFlags)
            throws FuseException {
        return Posix.copyFileRange(fd(), offset, out.fd(), outOffset, length, copyFlags);
    }

    /** Closes the descriptor (and its buffered twin); once, later calls do nothing. */
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Posix.closeQuietly(bufferedFd);
        Posix.closeQuietly(fd);
    }

    /**
     * The descriptor served reads and writes use. An {@code O_DIRECT} descriptor needs aligned buffers, which the
     * mount's reply memory need not be, so those go through a second, buffered descriptor of the same file.
     */
    private int ioFd() throws PosixException {
        return (flags & O_DIRECT) == 0 ? fd() : bufferedFd();
    }

    private synchronized int bufferedFd() throws PosixException {
        int own = fd();
        if (bufferedFd < 0) {
            // The magic link of a regular file's descriptor is that file: no name is resolved again.
            bufferedFd = Posix.openat(AT_FDCWD, Posix.procFdPath(own), (flags & (O_ACCMODE | O_APPEND)) | O_CLOEXEC,
                    0);
        }
        return bufferedFd;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[fd " + fd + (closed ? " closed" : "") + "]";
    }
}
