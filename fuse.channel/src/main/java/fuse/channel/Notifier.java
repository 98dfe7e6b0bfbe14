package fuse.channel;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Unsolicited messages to the kernel (notifications), used after a hot swap and by backends whose data changes
 * underneath. Never call these from a request handler for the same directory the request locks (the kernel may
 * wait on the request while the notification waits on the kernel); the mount sends them from its own thread.
 */
@ProviderType
public interface Notifier {
    /**
     * Drops the kernel's cached attributes of {@code nodeId} and, for {@code length} != 0, its cached data from
     * {@code offset} ({@code length} -1 = to the end; offset -1 = attributes only).
     *
     * @return {@code false} if the kernel did not know the node (ENOENT), which is not an error
     */
    boolean invalidateInode(long nodeId, long offset, long length);

    /** Drops the kernel's cached lookup of {@code name} in {@code parentNodeId}. */
    boolean invalidateEntry(long parentNodeId, String name);

    /** Tells the kernel {@code name} in {@code parentNodeId}, which was {@code childNodeId}, is gone. */
    boolean delete(long parentNodeId, long childNodeId, String name);

    /**
     * Drops every cached lookup of the mount at once, negative ones (names known not to exist) included, which no
     * {@link #invalidateEntry} can name ({@code FUSE_NOTIFY_INC_EPOCH}, protocol 7.44, Linux 6.16).
     *
     * @return {@code false} if the kernel is older: then only {@link #invalidateEntry} does it, name by name
     */
    boolean invalidateAllEntries();
}
