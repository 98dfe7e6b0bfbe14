package fuse.backend.overlay.internal;

import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.posix.FileStat;
import fuse.posix.Posix;

/**
 * One file of one layer, held by an {@code O_PATH} descriptor: the descriptor follows the file through renames
 * and keeps its inode (and so its number) from being reused while a node holds it.
 *
 * @param layer 0 for the upper layer, {@code 1..n} for the lower layers, top first
 */
final class RealFile {
    static final int UPPER = 0;

    final int layer;
    final long device;
    final long inode;
    private volatile int fd;

    RealFile(int layer, int fd, FileStat stat) {
        this.layer = layer;
        this.fd = fd;
        this.device = stat.device();
        this.inode = stat.inode();
    }

    boolean isUpper() {
        return layer == UPPER;
    }

    /** The descriptor; {@code ESTALE} once the node holding it was forgotten. */
    int fd() throws FuseException {
        int current = fd;
        if (current < 0) {
            throw new FuseException(Errno.ESTALE, "layer file was released");
        }
        return current;
    }

    /** {@code /proc/self/fd/N}: reaches this very file in path-based calls (xattrs, truncate, reopen). */
    String proc() throws FuseException {
        return Posix.procFdPath(fd());
    }

    FileStat stat() throws FuseException {
        return Posix.fstat(fd());
    }

    void close() {
        int current = fd;
        fd = -1;
        Posix.closeQuietly(current);
    }

    @Override
    public String toString() {
        return (layer == UPPER ? "upper" : "lower" + layer) + ":" + device + ":" + inode;
    }
}
