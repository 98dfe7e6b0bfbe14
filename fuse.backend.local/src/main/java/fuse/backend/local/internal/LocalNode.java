package fuse.backend.local.internal;

import fuse.api.Errno;
import fuse.api.FileType;
import fuse.api.Node;
import fuse.api.FuseException;

/**
 * A host file, held by one {@code O_PATH} descriptor while the mount references it. Equal nodes are the same host
 * file: identity is {@code (device, inode)}, which the open descriptor keeps from being reused. The reference count
 * belongs to {@link NodeTable}.
 */
final class LocalNode implements Node {
    final long device;
    final long inode;
    final FileType type;
    private volatile int fd;
    /** References the mount holds (lookup counts); guarded by the table's bin lock for this key. */
    long references;
    /**
     * For a directory: its change stamp at the last opendir, which the kernel's cached listing (if any) is at
     * least as new as; {@code null} before the first.
     */
    volatile ChangeStamp listedAt;
    /**
     * For a directory: its last lookup found a node the mount already held, so the next one likely will too
     * (see {@code LocalFileSystem.lookup}). A hint: racing lookups may overwrite each other's answer.
     */
    boolean lookupsFindKnown;

    LocalNode(long device, long inode, FileType type, int fd) {
        this.device = device;
        this.inode = inode;
        this.type = type;
        this.fd = fd;
    }

    /** The node's {@code O_PATH} descriptor; ESTALE once the node was forgotten or the file system closed. */
    int fd() throws FuseException {
        int current = fd;
        if (current < 0) {
            throw new FuseException(Errno.ESTALE, "node " + this + " was forgotten");
        }
        return current;
    }

    /** Detaches the descriptor for closing; later {@link #fd()} calls fail with ESTALE. */
    int detach() {
        int current = fd;
        fd = -1;
        return current;
    }

    boolean isDirectory() {
        return type == FileType.DIRECTORY;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LocalNode other && other.device == device && other.inode == inode;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(inode * 31 + device);
    }

    @Override
    public String toString() {
        return "LocalNode[" + device + ":" + inode + " " + type + "]";
    }
}
