package fuse.backend.local.internal;

import fuse.posix.nodes.HostFile;

/**
 * An open regular file: the host descriptor opened with the caller's flags ({@link HostFile}), of a node, and
 * whether the kernel passes it through.
 */
final class FileHandle extends HostFile {
    final LocalNode node;
    final boolean passthrough;

    FileHandle(LocalNode node, int fd, int flags, boolean passthrough) {
        super(fd, flags);
        this.node = node;
        this.passthrough = passthrough;
    }

    @Override
    public String toString() {
        return "FileHandle[" + node + " " + super.toString() + (passthrough ? " passthrough" : " served") + "]";
    }
}
