package fuse.backend.audit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import fuse.posix.FileStat;
import fuse.posix.Posix;

/**
 * The nodes the mount holds references on, one per host file. Every entry a lookup answers counts one reference;
 * {@link #forget} gives them back and closes the descriptor with the last one. The root is never counted.
 */
final class NodeTable {
    private record Key(long device, long inode) {
    }

    private final Map<Key, AuditNode> nodes = new HashMap<>();

    /**
     * The node for a file just opened as {@code fd} ({@code O_PATH}), with one more reference: the existing one
     * (and {@code fd} is closed) if the file is known, else a new node owning {@code fd}.
     */
    synchronized AuditNode adopt(int fd, FileStat stat) {
        Key key = new Key(stat.device(), stat.inode());
        AuditNode node = nodes.get(key);
        if (node != null) {
            Posix.closeQuietly(fd);
        } else {
            node = new AuditNode(stat.device(), stat.inode(), fd);
            nodes.put(key, node);
        }
        node.references++;
        return node;
    }

    synchronized void forget(AuditNode node, long count) {
        node.references -= count;
        if (node.references <= 0 && nodes.remove(new Key(node.device, node.inode), node)) {
            Posix.closeQuietly(node.fd);
        }
    }

    /** Closes every descriptor: the file system is closed, no operation follows. */
    void closeAll() {
        List<AuditNode> all;
        synchronized (this) {
            all = new ArrayList<>(nodes.values());
            nodes.clear();
        }
        all.forEach(node -> Posix.closeQuietly(node.fd));
    }

    synchronized int size() {
        return nodes.size();
    }
}
