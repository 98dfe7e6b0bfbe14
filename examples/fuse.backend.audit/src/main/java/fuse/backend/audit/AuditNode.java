package fuse.backend.audit;

import fuse.posix.nodes.HostNode;

/**
 * A file or directory of the served tree. The {@link fuse.posix.nodes.HostNodes} cache keeps it: one node per host
 * file until the mount releases it, reached through an {@code O_PATH} descriptor that stays valid across
 * renames and cannot be swapped for another file behind the backend's back.
 */
final class AuditNode extends HostNode {
    AuditNode(Identity identity) {
        super(identity);
    }
}
