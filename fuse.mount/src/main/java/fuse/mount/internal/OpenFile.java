package fuse.mount.internal;

import fuse.api.Handle;
import fuse.api.Node;
import fuse.passthrough.OpenTicket;

/**
 * An open file or directory: the binding and backend node it was opened on (it stays with them after a swap),
 * the backend's handle, and for files the passthrough claim.
 *
 * @param ticket the passthrough claim, {@code null} for directories
 */
record OpenFile(long fh, long nodeId, Binding binding, Node node, Handle handle, OpenTicket ticket,
        boolean directory) {
}
