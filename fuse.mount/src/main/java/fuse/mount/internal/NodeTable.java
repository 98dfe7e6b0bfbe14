package fuse.mount.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import fuse.api.Caller;
import fuse.api.Entry;
import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.api.Node;
import fuse.passthrough.NodeDescription;

/**
 * Kernel node ids and the backend nodes they stand for.
 *
 * <p>Ids are never reused: a 64-bit counter starting after the root (1) cannot wrap in the life of a mount, so
 * every entry carries generation 0 and the kernel can never confuse a new file with a forgotten one.
 *
 * <p>Equal backend nodes (the {@link Node} contract) map to one id within a binding. Each record remembers its
 * parent and name, so that after a swap a node of the old binding is resolved again lazily, by looking its name
 * up in its (resolved again) parent; a lookup through the new binding that finds a name the table still knows
 * adopts that record, so the kernel's inode survives the swap. The kernel's lookup count and the references held
 * in the backend are counted apart: they are equal until a swap, after which the new backend holds one
 * reference per resolved node.
 */
final class NodeTable {
    static final long ROOT_ID = 1;
    private static final int MAX_DEPTH = 4096;

    /** A name in a directory; a plain class, since a record's generated equals is slower on this hot path. */
    private static final class ChildKey {
        final long parentId;
        final String name;

        ChildKey(long parentId, String name) {
            this.parentId = parentId;
            this.name = name;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ChildKey other && other.parentId == parentId && other.name.equals(name);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(parentId) * 31 + name.hashCode();
        }
    }

    /** A node's link, for sending the kernel invalidations. */
    record Link(long id, long parentId, String name) {
    }

    private final AtomicLong nextId = new AtomicLong(ROOT_ID + 1);
    private final ConcurrentHashMap<Long, NodeRecord> byId = new ConcurrentHashMap<>();
    /** Guarded by {@code this}. */
    private final Map<ChildKey, NodeRecord> byName = new HashMap<>();
    private final NodeRecord root = new NodeRecord(ROOT_ID);
    /** The binding new results must belong to; guarded by {@code this}. */
    private Binding current;

    NodeTable() {
        root.name = "";
        byId.put(ROOT_ID, root);
    }

    /** Makes {@code binding} the one whose results are registered; its root becomes node 1. */
    synchronized void bind(Binding binding) {
        current = binding;
        if (binding != null) {
            root.node = binding.fs.root();
            root.binding = binding;
            binding.nodes.put(root.node, root);
        }
    }

    /**
     * Registers an entry a backend returned for {@code name} in {@code parentId}: one more kernel lookup and one
     * more backend reference on its node.
     *
     * @throws FuseException {@code ESTALE} when {@code binding} was replaced while the request ran (the kernel
     *         retries the path walk); the backend reference is given back
     */
    NodeRecord register(Binding binding, long parentId, String name, Entry entry) throws FuseException {
        synchronized (this) {
            if (binding == current) {
                NodeRecord record = binding.nodes.get(entry.node());
                if (record == null) {
                    record = adoptOrCreate(binding, parentId, name, entry.node());
                }
                record.lookups++;
                record.backendRefs++;
                record.inode = entry.attributes().inode();
                link(record, parentId, name);
                return record;
            }
        }
        binding.fs.forget(entry.node(), 1);
        throw new FuseException(Errno.ESTALE, "backend swapped during the request");
    }

    private NodeRecord adoptOrCreate(Binding binding, long parentId, String name, Node node) {
        NodeRecord record = byName.get(new ChildKey(parentId, name));
        if (record == null || record.binding == binding) {
            record = new NodeRecord(nextId.getAndIncrement());
            byId.put(record.id, record);
        }
        record.node = node;
        record.binding = binding;
        record.backendRefs = 0;
        binding.nodes.put(node, record);
        return record;
    }

    /** Undoes {@link #register} when the kernel did not take the reply. */
    void unregister(Binding binding, NodeRecord record) {
        forget(binding, record.id, 1);
    }

    /** The node for a kernel node id in {@code binding}, resolving it again by path if it is of another one. */
    Node resolve(Binding binding, long nodeId, Caller caller) throws FuseException {
        return resolve(binding, known(nodeId), caller, 0);
    }

    /**
     * {@link #resolve} for the directory a kernel LOOKUP searches, which it marks as such for
     * {@link #takeChildrenLookedUp}.
     */
    Node resolveLookupParent(Binding binding, long nodeId, Caller caller) throws FuseException {
        NodeRecord record = known(nodeId);
        if (!record.childrenLookedUp) {
            record.childrenLookedUp = true; // written once per run of lookups: the field is volatile
        }
        return resolve(binding, record, caller, 0);
    }

    private NodeRecord known(long nodeId) throws FuseException {
        NodeRecord record = byId.get(nodeId);
        if (record == null) {
            throw new FuseException(Errno.ESTALE, "unknown node " + nodeId);
        }
        return record;
    }

    private Node resolve(Binding binding, NodeRecord record, Caller caller, int depth) throws FuseException {
        long nodeId = record.id;
        long parentId;
        String name;
        synchronized (this) {
            if (record.binding == binding) {
                return record.node;
            }
            if (nodeId == ROOT_ID || record.detached()) {
                throw new FuseException(Errno.ESTALE, "node " + nodeId + " has no path to resolve it again");
            }
            parentId = record.parentId;
            name = record.name;
        }
        if (depth > MAX_DEPTH) {
            throw new FuseException(Errno.ELOOP, "node " + nodeId + " is nested too deep");
        }
        Node parent = resolve(binding, known(parentId), caller, depth + 1);
        Entry entry = binding.fs.lookup(caller, parent, name);
        Node resolved = null;
        synchronized (this) {
            if (record.binding == binding) {
                resolved = record.node; // another request resolved it meanwhile: ours is surplus
            } else if (binding == current && byId.containsKey(nodeId)) {
                binding.nodes.putIfAbsent(entry.node(), record);
                record.node = entry.node();
                record.binding = binding;
                record.backendRefs = 1;
                record.inode = entry.attributes().inode();
                return record.node;
            }
        }
        binding.fs.forget(entry.node(), 1);
        if (resolved == null) {
            throw new FuseException(Errno.ESTALE, "node " + nodeId + " was forgotten or the backend swapped");
        }
        return resolved;
    }

    /**
     * The kernel forgets {@code count} lookups of {@code nodeId}. References held in {@code binding} (the current
     * binding, acquired by the caller, or {@code null}) are given back so that the backend never holds more
     * than the kernel; a record of another binding just drops its count.
     */
    void forget(Binding binding, long nodeId, long count) {
        Node node;
        long release;
        synchronized (this) {
            NodeRecord record = forgettable(nodeId);
            if (record == null) {
                return;
            }
            node = record.node;
            release = drop(binding, record, count);
        }
        if (release > 0) {
            binding.fs.forget(node, release);
        }
    }

    /** Nodes dropped under one hold of the table's lock: enough to spare the lock traffic, short for lookups. */
    private static final int FORGET_CHUNK = 64;

    /**
     * {@link #forget(Binding, long, long)} for a BATCH_FORGET: the table's lock is taken once per chunk of nodes,
     * and the backend gets its references back outside it.
     */
    void forget(Binding binding, long[] nodeIds, long[] counts) {
        Node[] release = new Node[Math.min(nodeIds.length, FORGET_CHUNK)];
        long[] releaseCounts = new long[release.length];
        for (int from = 0; from < nodeIds.length; from += FORGET_CHUNK) {
            int to = Math.min(nodeIds.length, from + FORGET_CHUNK);
            int n = 0;
            synchronized (this) {
                for (int i = from; i < to; i++) {
                    NodeRecord record = forgettable(nodeIds[i]);
                    if (record != null) {
                        Node node = record.node;
                        long give = drop(binding, record, counts[i]);
                        if (give > 0) {
                            release[n] = node;
                            releaseCounts[n++] = give;
                        }
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                binding.fs.forget(release[i], releaseCounts[i]);
                release[i] = null;
            }
        }
    }

    /** The record a forget applies to: {@code null} for the root (never forgotten) and unknown ids. */
    private NodeRecord forgettable(long nodeId) {
        return nodeId == ROOT_ID ? null : byId.get(nodeId);
    }

    /**
     * Takes {@code count} kernel lookups off a node, and its record out of the table at zero. Caller holds
     * {@code this}.
     *
     * @return how many references the backend gets back on the record's node (held in {@code binding}), or 0
     */
    private long drop(Binding binding, NodeRecord record, long count) {
        record.lookups = Math.max(0, record.lookups - count);
        long keep = Math.min(record.backendRefs, record.lookups);
        long release = 0;
        if (binding != null && record.binding == binding && record.backendRefs > keep) {
            release = record.backendRefs - keep;
        }
        record.backendRefs = keep;
        if (record.lookups == 0) {
            byId.remove(record.id);
            if (record.binding != null) {
                record.binding.nodes.remove(record.node, record);
            }
            if (!record.detached()) {
                byName.remove(new ChildKey(record.parentId, record.name), record);
            }
        }
        return release;
    }

    /** Whether names in directory {@code nodeId} were looked up since the last call; clears it. */
    boolean takeChildrenLookedUp(long nodeId) {
        NodeRecord dir = byId.get(nodeId);
        if (dir == null || !dir.childrenLookedUp) {
            return false;
        }
        dir.childrenLookedUp = false;
        return true;
    }

    NodeRecord get(long nodeId) {
        return byId.get(nodeId);
    }

    /** The kernel node a backend node of {@code binding} stands for, or 0. */
    synchronized long idOf(Binding binding, Node node) {
        NodeRecord record = binding.nodes.get(node);
        return record == null ? 0 : record.id;
    }

    /** {@code name} in {@code parentId} is gone (unlink, rmdir). */
    synchronized void unlinked(long parentId, String name) {
        NodeRecord record = byName.remove(new ChildKey(parentId, name));
        if (record != null) {
            record.name = null;
            record.parentId = 0;
        }
    }

    /** A rename succeeded: move the links as the kernel will. */
    synchronized void renamed(long parentId, String name, long newParentId, String newName, boolean exchange) {
        ChildKey from = new ChildKey(parentId, name);
        ChildKey to = new ChildKey(newParentId, newName);
        NodeRecord moved = byName.remove(from);
        NodeRecord target = byName.remove(to);
        if (target != null) {
            target.name = null;
            target.parentId = 0;
            if (exchange) {
                link(target, parentId, name);
            }
        }
        if (moved != null) {
            moved.name = null;
            link(moved, newParentId, newName);
        }
    }

    /** Sets a record's link (its latest name wins for hard links); a record the name led to loses it. */
    private void link(NodeRecord record, long parentId, String name) {
        if (record.id == ROOT_ID || record.parentId == parentId && name.equals(record.name)) {
            return; // the kernel checking a name again: the link is already this one
        }
        if (!record.detached()) {
            byName.remove(new ChildKey(record.parentId, record.name), record);
        }
        record.parentId = parentId;
        record.name = name;
        NodeRecord displaced = byName.put(new ChildKey(parentId, name), record);
        if (displaced != null && displaced != record) {
            displaced.name = null;
            displaced.parentId = 0;
        }
    }

    /** The node's path inside the mount and its inode number, as far as the table knows. */
    synchronized NodeDescription describe(long nodeId) {
        NodeRecord record = byId.get(nodeId);
        if (record == null) {
            return NodeDescription.UNKNOWN;
        }
        long inode = record.inode;
        Deque<String> names = new ArrayDeque<>();
        for (int depth = 0; record != null && record.id != ROOT_ID; depth++) {
            if (record.detached() || depth > MAX_DEPTH) {
                return new NodeDescription(null, inode);
            }
            names.addFirst(record.name);
            record = byId.get(record.parentId);
        }
        return new NodeDescription(record == null ? null : "/" + String.join("/", names), inode);
    }

    /** Every known link, for invalidating the kernel's caches after a swap. */
    synchronized List<Link> links() {
        List<Link> links = new ArrayList<>(byId.size());
        for (NodeRecord record : byId.values()) {
            links.add(new Link(record.id, record.parentId, record.name));
        }
        return links;
    }

    /** Nodes the kernel knows, the root included. */
    int size() {
        return byId.size();
    }
}
