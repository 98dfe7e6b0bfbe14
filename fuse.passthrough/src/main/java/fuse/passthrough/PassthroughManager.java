package fuse.passthrough;

import java.util.List;
import java.util.function.LongFunction;

import org.osgi.annotation.versioning.ProviderType;

import fuse.api.Opened;
import fuse.channel.BackingFiles;
import fuse.passthrough.internal.BackingManager;

/**
 * The backing files of one mount (one FUSE connection). Thread-safe.
 *
 * <p>Every OPEN and CREATE goes through {@link #open}; the returned {@link OpenTicket} carries the open flags and
 * backing id to reply with. The caller then reports whether the kernel took the reply
 * ({@link OpenTicket#replied}) and, at RELEASE, {@link OpenTicket#release() releases} it. A backing id lives from
 * the first open of its inode that needs it until the last of those is released or undone; the kernel sends
 * RELEASE even for an open that failed after the reply, so that release balances every accepted reply.
 */
@ProviderType
public interface PassthroughManager {

    /**
     * Decides how the kernel opens {@code nodeId} given the backend's answer and the inode's open files, and
     * reserves what the reply needs (registering the backend's descriptor as the inode's backing file when the
     * inode has none). Never fails: a refused passthrough falls back to a Java-served open.
     */
    OpenTicket open(long nodeId, Opened opened);

    PassthroughStatistics statistics();

    /** The live backing ids, for the shell. */
    List<BackingIdInfo> backingIds();

    /**
     * The connection ended: closes every backing id still registered (files still open keep working: the kernel
     * holds their backing files) and stops registering new ones. Releases that arrive later only update counts.
     */
    void closeAll();

    /** A manager for one connection's backing-file table. */
    static PassthroughManager create(BackingFiles backingFiles, PassthroughSettings settings,
            LongFunction<NodeDescription> nodes) {
        return new BackingManager(backingFiles, settings, nodes);
    }
}
