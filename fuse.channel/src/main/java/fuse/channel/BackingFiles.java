package fuse.channel;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The connection's backing-file table: {@code FUSE_DEV_IOC_BACKING_OPEN} and {@code FUSE_DEV_IOC_BACKING_CLOSE}.
 * Thread-safe. The lifecycle rules (one id per inode, close only after the last release) belong to the caller,
 * {@code fuse.passthrough}.
 */
@ProviderType
public interface BackingFiles {
    /**
     * Registers an open regular file as a backing file. The kernel keeps its own reference to the file and the
     * caller's credentials; the caller may close {@code fd} afterwards.
     *
     * @return the backing id (&gt; 0) to put into an open reply with FOPEN_PASSTHROUGH
     */
    int open(int fd) throws BackingException;

    /** Removes a backing id; files already open through it keep working. */
    void close(int backingId) throws BackingException;
}
