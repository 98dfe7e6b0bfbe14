package fuse.testkit;

import java.util.HashMap;
import java.util.Map;

import fuse.api.Entry;
import fuse.api.FileSystem;
import fuse.api.Node;

/**
 * For tests that call a backend's {@link FileSystem} directly: the entries taken from it, counted per node as
 * the mount counts the kernel's lookups, and the node {@linkplain FileSystem#release(Node) released} when the
 * last one is given back, as the mount releases it. Share one among the threads that use one file system.
 */
public final class NodeHolds {
    private final FileSystem fs;
    /** Entries taken and not given back, per node; guarded by itself. */
    private final Map<Node, Long> held = new HashMap<>();

    public NodeHolds(FileSystem fs) {
        this.fs = fs;
    }

    /** Counts one entry the backend answered; returns its node. */
    public Node take(Entry entry) {
        return take(entry.node());
    }

    /** Counts one entry of {@code node}. */
    public Node take(Node node) {
        synchronized (held) {
            held.merge(node, 1L, Long::sum);
        }
        return node;
    }

    /** Gives one entry of {@code node} back; the last one releases it. The root is never counted nor released. */
    public void giveBack(Node node) {
        if (node == fs.root()) {
            return;
        }
        boolean last;
        synchronized (held) {
            Long left = held.merge(node, -1L, Long::sum);
            if (left < 0) {
                throw new IllegalStateException("gave back an entry of " + node + " that was never taken");
            }
            last = left == 0;
            if (last) {
                held.remove(node);
            }
        }
        if (last) {
            fs.release(node);
        }
    }

    /** Nodes held now. */
    public int size() {
        synchronized (held) {
            return held.size();
        }
    }
}
