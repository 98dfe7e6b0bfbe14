package fuse.backend.local.internal;

import fuse.posix.nodes.DirentBatches;
import fuse.posix.nodes.HostDirectory;

/** An open directory ({@link HostDirectory}) of a node, with what its listing cache needs. */
final class DirectoryHandle extends HostDirectory {
    final LocalNode node;
    private final ChangeStamp stamp;
    private final ChangeStamp previousStamp;

    /**
     * @param stamp the directory's change stamp at this open
     * @param previousStamp the one at the previous open of its node, {@code null} for the first
     */
    DirectoryHandle(LocalNode node, int fd, ChangeStamp stamp, ChangeStamp previousStamp, DirentBatches batches) {
        super(fd, batches);
        this.node = node;
        this.stamp = stamp;
        this.previousStamp = previousStamp;
    }

    /**
     * Whether the directory's change stamp at this open equals the one at the previous open of its node. Compared
     * only when asked (an OPENDIR's caching flags), not at every open: a directory the kernel opened itself is
     * opened for its READDIRs, whose compiled path then took a first or a later open's comparison (with and
     * without a previous stamp) as a branch it had not seen and was compiled again mid-walk.
     */
    boolean unchangedSinceLastOpen() {
        return stamp.equals(previousStamp);
    }
}
