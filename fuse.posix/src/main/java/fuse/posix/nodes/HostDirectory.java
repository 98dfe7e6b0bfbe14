package fuse.posix.nodes;

import static fuse.posix.Linux.SEEK_SET;

import java.util.concurrent.locks.ReentrantLock;

import fuse.api.DirectoryFiller;
import fuse.api.Errno;
import fuse.api.FileType;
import fuse.api.Handle;
import fuse.api.RawDirectoryFiller;
import fuse.posix.Posix;
import fuse.posix.PosixException;

/**
 * An open host directory as a backend's {@link Handle}: a readable descriptor plus the last {@code getdents64}
 * batch, so that a listing the kernel fetches in small replies continues from the batch instead of seeking and
 * reading again each time (a seek on ext4 rebuilds its hash-order cursor). It seeks only when asked for another
 * offset than where the unconsumed entries start, as libfuse's passthrough does with its {@code DIR*}. Offsets are
 * the host's {@code d_off} cookies, which stay valid while entries come and go. The lock serialises seek, read and
 * buffer. A backend extends it with what it keeps per open directory.
 */
public class HostDirectory implements Handle, AutoCloseable {
    private final int fd;
    private final ReentrantLock lock = new ReentrantLock();
    private final DirentBatches batches;
    /** Taken from {@link #batches} at the first listing, given back at {@link #close}; guarded by the lock. */
    private DirentBatches.Batch batch;
    private int start;
    private int end;
    /** The offset the unconsumed entries start at: the last handed-out entry's {@code d_off}, or a seek target. */
    private long cookie;
    private boolean closed;

    /**
     * @param fd a descriptor of the directory opened for reading, owned from now on (closed by {@link #close})
     * @param batches where the listing buffer comes from and goes back to
     */
    public HostDirectory(int fd, DirentBatches batches) {
        this.fd = fd;
        this.batches = batches;
    }

    /** Lists from {@code offset} (0 or an entry's next offset) until the filler is full or the directory ends. */
    public final void list(long offset, DirectoryFiller filler) throws PosixException {
        lock.lock();
        try {
            checkOpen("readdir");
            if (batch == null) {
                batch = batches.take();
            }
            if (offset != cookie) {
                Posix.lseek(fd, offset, SEEK_SET);
                start = end = 0;
                cookie = offset;
            }
            while (true) {
                if (start == end) {
                    end = batch.read(fd);
                    start = 0;
                    if (end == 0) {
                        return;
                    }
                }
                // The mount's filler takes the names as bytes: no String per entry for a plain READDIR.
                start = filler instanceof RawDirectoryFiller raw
                        ? Posix.visitDirentNames(batch.heap(), start, end, (inode, next, type, name) ->
                                accepted(raw.addRaw(name, inode, FileType.ofDirentType(type), next), next))
                        : Posix.visitDirents(batch.heap(), start, end, (inode, next, type, name) ->
                                accepted(filler.add(name, inode, FileType.ofDirentType(type), next), next));
                if (start < end) {
                    return;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Moves the cookie past an entry the filler took; answers whether it did. Under the lock. */
    private boolean accepted(boolean taken, long next) {
        if (taken) {
            cookie = next;
        }
        return taken;
    }

    public final void fsync(boolean dataOnly) throws PosixException {
        lock.lock();
        try {
            checkOpen("fsyncdir");
            Posix.fsync(fd, dataOnly);
        } finally {
            lock.unlock();
        }
    }

    /** A released handle's descriptor number may already name another file: never use it. */
    private void checkOpen(String call) throws PosixException {
        if (closed) {
            throw new PosixException(Errno.EBADF, call, "released directory handle");
        }
    }

    /** Closes the descriptor and gives the buffer back; once, later calls do nothing. */
    @Override
    public final void close() {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                Posix.closeQuietly(fd);
                if (batch != null) {
                    batches.give(batch);
                    batch = null;
                }
            }
        } finally {
            lock.unlock();
        }
    }
}
