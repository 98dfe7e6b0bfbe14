package fuse.backend.local.internal;

import fuse.posix.nodes.DirentBatches;
import fuse.posix.nodes.HostDirectory;

/** An open directory ({@link HostDirectory}) of a node, with what its listing cache needs. */
final class DirectoryHandle extends HostDirectory {
    final LocalNode node;
    /** The directory's change stamp at this open equals the one at the previous open of its node. */
    final boolean unchangedSinceLastOpen;

    DirectoryHandle(LocalNode node, int fd, boolean unchangedSinceLastOpen, DirentBatches batches) {
        super(fd, batches);
        this.node = node;
        this.unchangedSinceLastOpen = unchangedSinceLastOpen;
    }
}
