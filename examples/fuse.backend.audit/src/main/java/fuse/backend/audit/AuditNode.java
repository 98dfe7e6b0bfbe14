package fuse.backend.audit;

import fuse.api.Node;

/**
 * A file or directory of the served tree, held by an {@code O_PATH} descriptor: it stays valid across renames,
 * cannot be swapped for another file behind the backend's back, and pins the inode so that its number is not
 * reused while the mount knows it. Nodes are equal when they are the same host file (device and inode), as the
 * SPI asks, whatever name led to them.
 */
final class AuditNode implements Node {
    final long device;
    final long inode;
    /** The {@code O_PATH} descriptor; closed by the {@link NodeTable} when the mount forgets the node. */
    final int fd;
    /** References the mount holds (lookups not yet forgotten). Guarded by the {@link NodeTable}. */
    long references;

    AuditNode(long device, long inode, int fd) {
        this.device = device;
        this.inode = inode;
        this.fd = fd;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuditNode other && other.device == device && other.inode == inode;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(device * 31 + inode);
    }

    @Override
    public String toString() {
        return "node " + device + ":" + inode;
    }
}
