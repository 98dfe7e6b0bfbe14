package fuse.backend.local.internal;

/**
 * The one thing an {@link InotifyWatch} needs from the node table: which node, if any, the mount holds for a host
 * file. A change to a file the mount does not hold needs no notification: the kernel has nothing cached for it.
 */
@FunctionalInterface
interface KnownNodes {
    /** The node the mount holds for the file {@code (device, inode)}, or {@code null}. */
    LocalNode find(long device, long inode);
}
