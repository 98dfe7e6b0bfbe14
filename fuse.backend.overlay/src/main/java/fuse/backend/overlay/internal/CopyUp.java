package fuse.backend.overlay.internal;

import static fuse.posix.Linux.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.Attributes;
import fuse.api.Caller;
import fuse.api.Errno;
import fuse.api.FileType;
import fuse.api.FuseException;
import fuse.posix.Posix;
import fuse.posix.PosixException;

/**
 * Copy-up: makes an object that lives in a lower layer exist in the upper layer, before anything changes it, as
 * kernel overlayfs's {@code ovl_copy_up_one} does.
 *
 * <ul>
 * <li>The parent chain first: every ancestor directory is copied up (metadata only) before the object.
 * <li>Atomic through the work directory: the copy is built in {@code workdir/work} under a temporary name, with
 * its content (sparse: only the data segments, found with {@code SEEK_DATA}/{@code SEEK_HOLE}, are copied, with
 * {@code copy_file_range} where the file systems allow it), owner, mode, extended attributes (except the
 * overlay's private ones) and times, and only then renamed into the upper directory with
 * {@code RENAME_NOREPLACE}. A crash leaves at most a stray file in the work directory, which the next open
 * removes. The parent's times are restored afterwards: a copy-up is not a change of the parent.
 * <li>An object removed from the merged view while still in use (an open file whose name was deleted) is copied
 * to an unlinked file, like the kernel's tmpfile copy-up.
 * <li>A lower hard link is copied by itself (no index): its other links stay in the lower layer.
 * </ul>
 *
 * <p>Locking: the node's own lock serializes copy-ups of one object; the namespace lock is taken only for the
 * final rename, so copying a large file does not stop other changes of the tree. Lock order: node lock, then
 * namespace lock, never the reverse. One node per object (see {@link NodeTable}) is what makes the node lock
 * enough: each placed copy-up counts in its parent's {@link OverlayNode#copyUpsPlaced}, by which lookups that
 * resolved the name just before it know to resolve it again.
 */
final class CopyUp {
    private static final Logger LOG = LoggerFactory.getLogger(CopyUp.class);
    /** Everything. */
    static final long ALL = Long.MAX_VALUE;
    private static final long CHUNK = 16L << 20;
    private static final int BUFFER = 1 << 20;
    private static final ThreadLocal<MemorySegment> BUFFERS =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(BUFFER, 4096));

    private final Layers layers;
    private final NodeTable table;
    private final ReentrantLock namespace;

    CopyUp(Layers layers, NodeTable table, ReentrantLock namespace) {
        this.layers = layers;
        this.table = table;
        this.namespace = namespace;
    }

    /**
     * Makes sure {@code node} is in the upper layer. Must not be called with the namespace lock held.
     *
     * @param dataLimit how much of a regular file's content to copy ({@link #ALL}, or 0 for an open with
     *        {@code O_TRUNC}, which the kernel copies up empty)
     */
    void ensureUpper(Caller caller, OverlayNode node, long dataLimit) throws FuseException {
        if (node.upper != null) {
            return;
        }
        if (layers.readOnly()) {
            throw new FuseException(Errno.EROFS, "read-only overlay (no upperdir)");
        }
        if (namespace.isHeldByCurrentThread()) {
            throw new IllegalStateException("copy-up under the namespace lock");
        }
        OverlayNode parent = node.parent;
        if (parent == null) {
            throw new FuseException(Errno.EIO, "the root has no upper directory");
        }
        ensureUpper(caller, parent, ALL);
        node.lock.lock();
        try {
            if (node.upper == null) {
                copy(caller, node, dataLimit);
            }
        } finally {
            node.lock.unlock();
        }
    }

    /**
     * Makes sure {@code node} is in the upper layer with its content: a metadata-only copy (the kernel's
     * {@code metacopy=on}) gets its data from its lower file, in place, as the kernel's
     * {@code ovl_copy_up_meta_inode_data} does, before anything changes its content, moves or links it (this
     * overlay writes no redirect by which a moved metadata-only copy would find its data again).
     */
    void ensureData(Caller caller, OverlayNode node, long dataLimit) throws FuseException {
        ensureUpper(caller, node, dataLimit);
        if (node.data == null) {
            return;
        }
        node.lock.lock();
        try {
            RealFile data = node.data;
            if (data != null) {
                copyData(caller, node.upper, data, dataLimit);
                XattrIo.remove(node.upper.proc(), layers.xattrs.metacopy, true);
                dropData(node);
                LOG.debug("copied the data of the metadata-only copy {}", node.name);
            }
        } finally {
            node.lock.unlock();
        }
    }

    /** Under the node's lock, which opens of the data file take too. */
    private static void dropData(OverlayNode node) {
        RealFile data = node.data;
        node.data = null;
        if (data != null) {
            data.close();
        }
    }

    /** Fills the metadata-only copy {@code upper} (of the right size already) with the content of {@code data}. */
    private void copyData(Caller caller, RealFile upper, RealFile data, long dataLimit) throws FuseException {
        Attributes times = upper.stat().attributes();
        long length = Math.min(times.size(), dataLimit);
        int out = Posix.openat(AT_FDCWD, upper.proc(), O_WRONLY | O_CLOEXEC, 0);
        try {
            fill(caller, data, out, length);
            // Not a change of the object: its times stay those the copy-up gave it.
            Posix.utimensat(out, "", times.atimeSeconds(), times.atimeNanos(), times.mtimeSeconds(),
                    times.mtimeNanos(), AT_EMPTY_PATH);
        } finally {
            Posix.closeQuietly(out);
        }
    }

    private void copy(Caller caller, OverlayNode node, long dataLimit) throws FuseException {
        WorkDir work = layers.work;
        RealFile source = node.real();
        Attributes a = source.stat().attributes();
        String temp = create(caller, work, source, node.content(), a, dataLimit);
        RealFile copy = null;
        boolean placed = false;
        try {
            applyMetadata(work, temp, source, a);
            int fd = Posix.openat(work.fd(), temp, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
            copy = new RealFile(RealFile.UPPER, fd, Posix.fstat(fd));
            placed = place(node, work, temp, copy);
            node.upper = copy;
            dropData(node); // its data is in the copy now
            LOG.debug("copied up {} ({} bytes){}", node.name, a.isRegularFile() ? Math.min(a.size(), dataLimit) : 0,
                    placed ? "" : " to an unlinked file: it was removed meanwhile");
        } catch (FuseException | RuntimeException e) {
            if (copy != null && node.upper != copy) {
                copy.close();
            }
            if (!placed) {
                work.discard(temp);
            }
            throw e;
        }
    }

    /** Creates the object's copy in the work directory (content included) and answers its temporary name. */
    private String create(Caller caller, WorkDir work, RealFile source, RealFile content, Attributes a,
            long dataLimit) throws FuseException {
        int wfd = work.fd();
        while (true) {
            String temp = work.tempName();
            try {
                FileType type = a.type();
                if (type == FileType.REGULAR) {
                    copyFile(caller, content, wfd, temp, Math.min(a.size(), dataLimit));
                } else if (type == FileType.DIRECTORY) {
                    Posix.mkdirat(wfd, temp, 0700);
                } else if (type == FileType.SYMLINK) {
                    Posix.symlinkat(Posix.readlinkat(source.fd(), ""), wfd, temp);
                } else {
                    Posix.mknodat(wfd, temp, (a.mode() & S_IFMT) | 0600, a.rdev());
                }
                return temp;
            } catch (PosixException e) {
                if (e.errno() != Errno.EEXIST) {
                    throw e;
                }
            }
        }
    }

    private void copyFile(Caller caller, RealFile source, int wfd, String temp, long length) throws FuseException {
        int out = Posix.openat(wfd, temp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
        try {
            fill(caller, source, out, length);
        } catch (FuseException | RuntimeException e) {
            Posix.closeQuietly(out);
            Posix.unlinkat(wfd, temp, 0);
            throw e;
        }
        Posix.close(out);
    }

    /** Copies the first {@code length} bytes of {@code source} to {@code out} and sets its size (trailing holes too). */
    private static void fill(Caller caller, RealFile source, int out, long length) throws FuseException {
        if (length > 0) {
            int in = openLower(source, O_RDONLY | O_CLOEXEC);
            try {
                copyData(caller, in, out, length);
            } finally {
                Posix.closeQuietly(in);
            }
        }
        Posix.ftruncate(out, length);
    }

    /**
     * Opens a lower file for reading without touching its access time, as the kernel's overlayfs opens its real
     * files ({@code O_NOATIME}, which needs ownership or {@code CAP_FOWNER}; without it, a plain open).
     */
    static int openLower(RealFile file, int flags) throws FuseException {
        try {
            return Posix.openat(AT_FDCWD, file.proc(), flags | O_NOATIME, 0);
        } catch (PosixException e) {
            if (e.errno() != Errno.EPERM) {
                throw e;
            }
            return Posix.openat(AT_FDCWD, file.proc(), flags, 0);
        }
    }

    /** Copies the data segments of {@code in}'s first {@code length} bytes; holes stay holes. */
    static void copyData(Caller caller, int in, int out, long length) throws FuseException {
        long position = 0;
        while (position < length) {
            long data;
            try {
                data = Posix.lseek(in, position, SEEK_DATA);
            } catch (PosixException e) {
                if (e.errno() == Errno.ENXIO) {
                    return; // only a hole is left
                }
                if (e.errno() != Errno.EINVAL && e.errno() != Errno.EOPNOTSUPP) {
                    throw e;
                }
                data = position; // no SEEK_DATA here: copy everything
            }
            if (data >= length) {
                return;
            }
            long hole;
            try {
                hole = Math.min(length, Posix.lseek(in, data, SEEK_HOLE));
            } catch (PosixException e) {
                hole = length;
            }
            copyRange(caller, in, out, data, hole - data);
            position = hole;
        }
    }

    private static void copyRange(Caller caller, int in, int out, long offset, long length) throws FuseException {
        long done = 0;
        boolean kernelCopy = true;
        while (done < length) {
            if (caller.interrupted()) {
                throw new FuseException(Errno.EINTR, "copy-up interrupted");
            }
            long chunk = Math.min(CHUNK, length - done);
            long n;
            if (kernelCopy) {
                try {
                    n = Posix.copyFileRange(in, offset + done, out, offset + done, chunk, 0);
                } catch (PosixException e) {
                    if (e.errno() != Errno.EXDEV && e.errno() != Errno.EINVAL && e.errno() != Errno.EOPNOTSUPP
                            && e.errno() != Errno.ENOSYS) {
                        throw e;
                    }
                    kernelCopy = false;
                    continue;
                }
            } else {
                n = copyByBuffer(in, out, offset + done, chunk);
            }
            if (n == 0) {
                return; // the source shrank: end of file
            }
            done += n;
        }
    }

    private static long copyByBuffer(int in, int out, long offset, long length) throws PosixException {
        MemorySegment buffer = BUFFERS.get();
        long n = Posix.pread(in, buffer.asSlice(0, Math.min(buffer.byteSize(), length)), offset);
        if (n > 0) {
            Posix.pwriteFully(out, buffer.asSlice(0, n), offset);
        }
        return n;
    }

    /**
     * Owner first (chown clears set-user-ID and capabilities), then mode, then extended attributes, then times
     * (everything before changes them).
     */
    private void applyMetadata(WorkDir work, String temp, RealFile source, Attributes a) throws FuseException {
        int wfd = work.fd();
        boolean symlink = a.type() == FileType.SYMLINK;
        Posix.fchownat(wfd, temp, a.uid(), a.gid(), AT_SYMLINK_NOFOLLOW);
        if (!symlink) {
            Posix.fchmodat(wfd, temp, a.mode() & S_IALLUGO, 0);
        }
        copyXattrs(source.proc(), work.path(temp), layers.xattrs);
        Posix.utimensat(wfd, temp, a.atimeSeconds(), a.atimeNanos(), a.mtimeSeconds(), a.mtimeNanos(),
                AT_SYMLINK_NOFOLLOW);
    }

    /** Copies every attribute the overlay shows (escaped overlay names included, private ones not). */
    static void copyXattrs(String fromProc, String toPath, OverlayXattrs xattrs) throws PosixException {
        for (String name : XattrIo.names(fromProc, true)) {
            if (xattrs.isPrivate(name)) {
                continue;
            }
            byte[] value = XattrIo.get(fromProc, name, true);
            if (value == null) {
                continue;
            }
            try {
                XattrIo.set(toPath, name, value, 0, false);
            } catch (PosixException e) {
                if (e.errno() != Errno.EOPNOTSUPP) {
                    throw e;
                }
                LOG.debug("upper file system does not take xattr {}: not copied", name);
            }
        }
    }

    /**
     * Renames the copy into place (under the namespace lock); {@code false} when the object's name was removed or
     * taken meanwhile, in which case the copy is left unlinked (the kernel's tmpfile copy-up of a removed object).
     * The name never holds this object's own earlier copy: one object has one node, which serializes its copy-ups
     * (see {@link NodeTable#intern(OverlayNode, String, Resolution, long)} for lookups that raced with one).
     */
    private boolean place(OverlayNode node, WorkDir work, String temp, RealFile copy) throws FuseException {
        namespace.lock();
        try {
            OverlayNode parent = node.parent;
            RealFile parentUpper = parent.upper;
            Attributes parentTimes = parentUpper.stat().attributes();
            table.addUpper(node, copy.device, copy.inode);
            try {
                Posix.renameat2(work.fd(), temp, parentUpper.fd(), node.name, RENAME_NOREPLACE);
            } catch (PosixException e) {
                if (e.errno() != Errno.EEXIST && e.errno() != Errno.ENOENT) {
                    table.removeUpper(node, copy.device, copy.inode);
                    throw e;
                }
                work.discard(temp);
                // Never reachable by name: no new node will be made for it, and its number is free once it closes.
                table.forgetOrigin(copy.device, copy.inode);
                return false;
            }
            // Lookups of the parent that resolved the lower file before this rename must not make a node of it.
            parent.copyUpsPlaced++;
            restoreTimes(parentUpper, parentTimes);
            return true;
        } finally {
            namespace.unlock();
        }
    }

    private static void restoreTimes(RealFile dir, Attributes times) {
        try {
            Posix.utimensat(dir.fd(), "", times.atimeSeconds(), times.atimeNanos(), times.mtimeSeconds(),
                    times.mtimeNanos(), AT_EMPTY_PATH);
        } catch (FuseException e) {
            LOG.debug("could not restore the times of {} after copy-up: {}", dir, e.getMessage());
        }
    }
}
