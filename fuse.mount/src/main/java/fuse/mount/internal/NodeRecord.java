package fuse.mount.internal;

import java.util.concurrent.atomic.AtomicInteger;

import fuse.api.Node;

/**
 * One kernel node (inode): its id, its link in the tree (parent and name, for resolving it again by path after a
 * swap), the backend node it stands for in one binding, and what keeps it: the kernel's lookups and the mount's
 * own uses. Fields other than {@link #id}, {@link #lookups} and {@link #uses} are guarded by the
 * {@link NodeTable}; those two are written under it too, but read without it where a use ends.
 */
final class NodeRecord {
    final long id;
    /** Requests running on the node and files open on it ({@link NodeTable#use}, {@link NodeTable#pin}). */
    final AtomicInteger uses = new AtomicInteger();
    long parentId;
    String name;
    Node node;
    /** The binding (epoch) {@link #node} belongs to; another binding resolves this record again by path. */
    Binding binding;
    /** The kernel's lookup count: entry replies it took minus FORGETs. */
    volatile long lookups;
    /** Neither the kernel nor the mount uses the node any more: its backend node is released, the id gone. */
    boolean ended;
    /** The backend's inode number, for listings. */
    long inode = -1;
    /**
     * For a directory: the kernel looked up names in it since it was last opened. Written without the table's
     * lock; a hint for {@link Dispatcher}'s listing cache, never for correctness.
     */
    volatile boolean childrenLookedUp;
    /** For a directory: the entry clock's tick at the last change of its entries ({@link NodeTable#entriesChanged}). */
    volatile long entriesChangedAt;

    NodeRecord(long id) {
        this.id = id;
    }

    /** No name leads to this node any more (unlinked, or the target of a rename). */
    boolean detached() {
        return name == null;
    }

    @Override
    public String toString() {
        return "node " + id + " (" + parentId + "/" + name + ", " + binding + ", lookups " + lookups + ")";
    }
}
