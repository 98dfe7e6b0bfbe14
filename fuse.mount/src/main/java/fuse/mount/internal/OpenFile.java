package fuse.mount.internal;

import fuse.api.Handle;
import fuse.api.Node;
import fuse.passthrough.OpenTicket;

/**
 * An open file or directory: the binding and backend node it was opened on (it stays with them after a swap),
 * the backend's handle, and for files the passthrough claim. When its binding is closed under it (the backend
 * service went away) it moves: the same file is opened again on the current binding and this record is replaced
 * by {@link #movedTo} under the same {@code fh}.
 *
 * @param nodeRecord the kernel node, kept in use ({@link NodeTable#pin}) while the file is open
 * @param ticket the passthrough claim, {@code null} for directories
 * @param flags the open flags, to open the file again elsewhere
 * @param opener who opened it, to open it again with the same identity
 */
record OpenFile(long fh, NodeRecord nodeRecord, Binding binding, Node node, Handle handle, OpenTicket ticket,
        boolean directory, int flags, Opener opener) {

    /** The kernel node the file is open on. */
    long nodeId() {
        return nodeRecord.id;
    }

    /** The same open file (fh, passthrough claim, flags) served by another binding's node and handle. */
    OpenFile movedTo(Binding next, Node nextNode, Handle nextHandle) {
        return new OpenFile(fh, nodeRecord, next, nextNode, nextHandle, ticket, directory, flags, opener);
    }
}
