package fuse.backend.overlay.internal;

import static fuse.posix.Linux.O_ACCMODE;

import fuse.api.Handle;
import fuse.posix.Posix;

/**
 * An open regular file: a descriptor of the layer file it was opened on. A read-only open of a file that is still
 * in a lower layer keeps reading the lower file after a later copy-up, as with kernel overlayfs ("ro open before
 * copy-up stays on lower"); every other open is on the upper file.
 *
 * @param lowerFile the descriptor is of a lower file (then it is read-only, so writes through it fail with EBADF)
 * @param passthrough the open was answered with a passthrough of {@code fd}
 */
record FileHandle(OverlayNode node, int fd, int flags, boolean lowerFile, boolean passthrough) implements Handle {

    boolean writable() {
        return (flags & O_ACCMODE) != 0;
    }

    void close() {
        Posix.closeQuietly(fd);
    }

    @Override
    public String toString() {
        return "FileHandle[" + node.name + " fd " + fd + (lowerFile ? " lower" : " upper")
                + (passthrough ? " passthrough" : " served") + "]";
    }
}
