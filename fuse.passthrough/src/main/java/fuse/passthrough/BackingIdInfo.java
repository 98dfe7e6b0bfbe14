package fuse.passthrough;

/**
 * One live backing id of a mount.
 *
 * @param backingId the kernel's id
 * @param nodeId the kernel node (inode) it backs
 * @param path the node's path inside the mount, if the mount knows it (else {@code null})
 * @param inode the backing file's inode number as the backend reported it, or -1 if unknown
 * @param passthroughOpens open files using it for reads and writes
 * @param servedOpens Java-served open files of the same inode that use it for mmap only
 */
public record BackingIdInfo(int backingId, long nodeId, String path, long inode, int passthroughOpens,
        int servedOpens) {

    /** Open files holding the id: it is closed when this drops to 0. */
    public int refcount() {
        return passthroughOpens + servedOpens;
    }
}
