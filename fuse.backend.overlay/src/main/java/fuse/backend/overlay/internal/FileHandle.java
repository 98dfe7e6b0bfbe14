package fuse.backend.overlay.internal;

import fuse.posix.nodes.HostFile;

/**
 * An open regular file: a descriptor of the layer file it was opened on ({@link HostFile}). A read-only open of a
 * file that is still in a lower layer keeps reading the lower file after a later copy-up, as with kernel overlayfs
 * ("ro open before copy-up stays on lower"); every other open is on the upper file.
 */
final class FileHandle extends HostFile {
    private final OverlayNode node;
    private final boolean lowerFile;
    private final boolean passthrough;

    /**
     * @param lowerFile the descriptor is of a lower file (then it is read-only, so writes through it fail with EBADF)
     * @param passthrough the open was answered with a passthrough of {@code fd}
     */
    FileHandle(OverlayNode node, int fd, int flags, boolean lowerFile, boolean passthrough) {
        super(fd, flags);
        this.node = node;
        this.lowerFile = lowerFile;
        this.passthrough = passthrough;
    }

    OverlayNode node() {
        return node;
    }

    boolean lowerFile() {
        return lowerFile;
    }

    boolean passthrough() {
        return passthrough;
    }

    @Override
    public String toString() {
        return "FileHandle[" + node.name + " " + super.toString() + (lowerFile ? " lower" : " upper")
                + (passthrough ? " passthrough" : " served") + "]";
    }
}
