package fuse.backend.local.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import fuse.api.FileType;
import fuse.posix.FileStat;
import fuse.posix.Posix;

/**
 * The nodes the mount references, deduplicated by {@code (device, inode)} and counted like libfuse passthrough_hp
 * counts its inodes: each entry handed out adds one, {@code forget} takes them back, and the node's
 * {@code O_PATH} descriptor closes at zero. The root is pinned and never closes before the table does.
 */
final class NodeTable {
    /** {@code (device, inode)}; a plain class, since a record's generated equals is slower on this hot path. */
    private static final class Key {
        final long device;
        final long inode;

        Key(long device, long inode) {
            this.device = device;
            this.inode = inode;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key other && other.inode == inode && other.device == device;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(inode * 31 + device);
        }
    }

    private final ConcurrentHashMap<Key, LocalNode> nodes = new ConcurrentHashMap<>();

    /**
     * Counts one reference on the node for {@code stat}'s file. Takes ownership of {@code fd}: it becomes the new
     * node's descriptor, or is closed when the file already has a node.
     */
    LocalNode reference(FileStat stat, int fd) {
        Key key = new Key(stat.device(), stat.inode());
        LocalNode node = nodes.compute(key, (k, existing) -> {
            LocalNode n = existing != null ? existing
                    : new LocalNode(k.device, k.inode, FileType.ofMode(stat.attributes().mode()), fd);
            n.references++;
            return n;
        });
        if (!owns(node, fd)) {
            Posix.closeQuietly(fd);
        }
        return node;
    }

    /**
     * Counts one reference on the node already registered for {@code stat}'s file, if there is one.
     *
     * @return that node, or {@code null} (the caller opens the file and {@link #reference references} it)
     */
    LocalNode referenceIfPresent(FileStat stat) {
        return nodes.computeIfPresent(new Key(stat.device(), stat.inode()), (k, n) -> {
            n.references++;
            return n;
        });
    }

    /** Pins the root: one reference that {@link #forget} never returns. */
    LocalNode pinRoot(FileStat stat, int fd) {
        LocalNode root = reference(stat, fd);
        root.references = Long.MAX_VALUE / 2;
        return root;
    }

    /** Gives back {@code count} references; closes the node's descriptor at zero. */
    void forget(LocalNode node, long count) {
        nodes.computeIfPresent(new Key(node.device, node.inode), (k, n) -> {
            n.references -= count;
            if (n.references > 0) {
                return n;
            }
            Posix.closeQuietly(n.detach());
            return null;
        });
    }

    /** The node currently registered for a file, or {@code null}: for tests and statistics. */
    LocalNode find(long device, long inode) {
        return nodes.get(new Key(device, inode));
    }

    int size() {
        return nodes.size();
    }

    /** Closes every node's descriptor (file system close). */
    void closeAll() {
        List<LocalNode> all = new ArrayList<>(nodes.values());
        nodes.clear();
        for (LocalNode node : all) {
            Posix.closeQuietly(node.detach());
        }
    }

    /** Whether {@code fd}, handed to {@link #reference}, became {@code node}'s descriptor (a new node). */
    static boolean owns(LocalNode node, int fd) {
        try {
            return node.fd() == fd;
        } catch (fuse.api.FuseException e) {
            return false;
        }
    }
}
