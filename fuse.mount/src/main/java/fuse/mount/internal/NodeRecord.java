package fuse.mount.internal;

import fuse.api.Node;

/**
 * One kernel node (inode): its id, its link in the tree (parent and name, for resolving it again by path after a
 * swap), the backend node it stands for in one binding, and two counts. Fields other than {@link #id} are guarded
 * by the {@link NodeTable}.
 */
final class NodeRecord {
    final long id;
    long parentId;
    String name;
    Node node;
    /** The binding (epoch) {@link #node} belongs to; another binding resolves this record again by path. */
    Binding binding;
    /** The kernel's lookup count: entry replies it took minus FORGETs. */
    long lookups;
    /** References held on {@link #node} in its epoch's file system, given back through forget. */
    long backendRefs;
    /** The backend's inode number, for listings. */
    long inode = -1;
    /**
     * For a directory: the kernel looked up names in it since it was last opened. Written without the table's
     * lock; a hint for {@link Dispatcher}'s listing cache, never for correctness.
     */
    volatile boolean childrenLookedUp;

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
