package fuse.backend.local.internal;

import fuse.posix.nodes.HostNode;

/**
 * A host file the mount knows, kept by the {@link fuse.posix.nodes.HostNodes} cache (identity, descriptor,
 * references), with what the local backend remembers of a directory's listing and lookups.
 */
final class LocalNode extends HostNode {
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

    LocalNode(Identity identity) {
        super(identity);
    }
}
