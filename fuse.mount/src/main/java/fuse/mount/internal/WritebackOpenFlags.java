package fuse.mount.internal;

import static fuse.posix.Linux.O_ACCMODE;
import static fuse.posix.Linux.O_APPEND;
import static fuse.posix.Linux.O_RDWR;
import static fuse.posix.Linux.O_WRONLY;

import fuse.api.Errno;
import fuse.api.FuseException;

/**
 * The open flags a backend gets on a mount with the writeback cache (as libfuse's passthrough_hp changes them).
 * The kernel then reads pages through any open file, one opened write-only too (to fill a page that a write
 * covers only in part), so the backend opens {@code O_WRONLY} as {@code O_RDWR}; and the kernel places appends
 * itself (it keeps the size and sends each WRITE at its end offset), so the backend must not open with
 * {@code O_APPEND}, which would put every write at the host file's end instead. A caller allowed to write but not
 * to read still opens (write-only): its writes that cover a page in part then fail with EIO, where refusing the
 * open would fail them all.
 */
final class WritebackOpenFlags {
    private WritebackOpenFlags() {
    }

    /** An open (or create) on the backend with the flags it is given. */
    @FunctionalInterface
    interface OpenCall<T> {
        T open(int flags) throws FuseException;
    }

    /** Opens with the kernel's {@code flags}, changed as above when {@code writebackCache}. */
    static <T> T open(boolean writebackCache, int flags, OpenCall<T> call) throws FuseException {
        if (!writebackCache) {
            return call.open(flags);
        }
        int withoutAppend = flags & ~O_APPEND;
        if ((flags & O_ACCMODE) != O_WRONLY) {
            return call.open(withoutAppend);
        }
        try {
            return call.open(withoutAppend & ~O_ACCMODE | O_RDWR);
        } catch (FuseException e) {
            if (e.errno() != Errno.EACCES) {
                throw e;
            }
            return call.open(withoutAppend);
        }
    }
}
