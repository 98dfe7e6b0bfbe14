package fuse.backend.overlay.internal;

import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.api.Node;

/** The SPI's nodes as this backend's: anything else is a stale node of another backend (after a swap). */
final class Nodes {
    private Nodes() {
    }

    static OverlayNode overlay(Node node) throws FuseException {
        if (node instanceof OverlayNode n) {
            return n;
        }
        throw new FuseException(Errno.ESTALE, "not a node of the overlay backend: " + node);
    }

    static OverlayNode dir(Node node) throws FuseException {
        OverlayNode n = overlay(node);
        if (!n.isDirectory()) {
            throw new FuseException(Errno.ENOTDIR, "not a directory: " + n);
        }
        return n;
    }
}
