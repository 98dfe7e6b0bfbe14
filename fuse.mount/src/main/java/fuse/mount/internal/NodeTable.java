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
import fuse.api.FileSystem;
import fuse.api.FuseException;
import fuse.api.Node;
import fuse.passthrough.NodeDescription;

/**
 * Kernel node ids and the backend nodes they stand for, and when the backend may let a node go.
 *
 * <p>Ids are never reused: a 64-bit counter starting after the root (1) cannot wrap in the life of a mount, so
 * every entry carries generation 0 and the kernel can never confuse a new file with a forgotten one.
 *
 * <p>Equal backend nodes (the {@link Node} contract) map to one id within a binding. Each record remembers its
 * parent and name, so that after a swap a node of the old binding is resolved again lazily, by looking its name
 * up in its (resolved again) parent; a lookup through the new binding that finds a name the table still knows
 * adopts that record, so the kernel's inode survives the swap.
 *
 * <p><b>Lifetime.</b> The mount owns it: a record lives while the kernel holds lookups of it or the mount uses it
 * (a request running on it, {@link #use}; a file open on it, {@link #pin}); when both are gone it ends, and the
 * backend that made its node gets {@link FileSystem#release(Node)}, once. A backend may then let the node go, while
 * a lookup that started before may still be about to hand the same node over: so each binding counts the
 * releases that returned (its release epoch), a request reads that count before it asks the backend for an entry,
 * and an entry whose node was released after the read is not given to the kernel: the name is looked up again
 * ({@link #register(Binding, long, String, Lookup)}). A node whose release is still running is waited for.
 * Backends' releases run outside the table's lock. A record resolved again after a swap leaves its old node to
 * the old file system, whose close ends it (the SPI's rule: nodes still known at close get no release).
 */
final class NodeTable {
    static final long ROOT_ID = 1;
    private static final int MAX_DEPTH = 4096;
    /** {@link Binding#released}: the backend's release of the node is running. */
    static final long RELEASING = -1;
    /** Lookups again of a name whose node was released meanwhile, before the request answers ESTALE. */
    private static final int MAX_LOOKUPS_AGAIN = 8;

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

    /** A request's use of a node: the record cannot end, nor its backend node be released, until closed. */
    final class Use implements AutoCloseable {
        private final NodeRecord record;
        private final Node node;

        private Use(NodeRecord record, Node node) {
            this.record = record;
            this.node = node;
        }

        /** The backend node in the binding the use was taken in. */
        Node node() {
            return node;
        }

        NodeRecord record() {
            return record;
        }

        @Override
        public void close() {
            unpin(record);
        }
    }

    /** Asks the backend for an entry (lookup, mkdir, create...); {@link #register(Binding, long, String, Lookup)}. */
    @FunctionalInterface
    interface Lookup {
        Entry call() throws FuseException;
    }

    /** An entry the kernel is told about, and its record. */
    record Registered(NodeRecord record, Entry entry) {
    }

    /** A backend node to release: collected under the lock, released outside it. */
    private record Ending(Binding binding, Node node) {
    }

    private final AtomicLong nextId = new AtomicLong(ROOT_ID + 1);
    private final ConcurrentHashMap<Long, NodeRecord> byId = new ConcurrentHashMap<>();
    /** Guarded by {@code this}. */
    private final Map<ChildKey, NodeRecord> byName = new HashMap<>();
    private final NodeRecord root = new NodeRecord(ROOT_ID);
    /** The binding new results must belong to; guarded by {@code this}. */
    private Binding current;
    /** Ticks at each change of a directory's entries ({@link #entriesChanged}). */
    private final AtomicLong entryClock = new AtomicLong();
    /** The tick of the last change of every directory ({@link #everyDirectoryChanged}). */
    private volatile long everyDirectoryChangedAt;

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
     * Asks {@code first} for an entry of {@code name} in {@code parentId} and registers it: one more kernel lookup
     * on its node. When the node was released while the call ran, the name is looked up again ({@code again}) and
     * that answer registered instead.
     *
     * @throws FuseException {@code ESTALE} when {@code binding} was replaced while the request ran (the kernel
     *         retries the path walk), or the name's node kept being released
     */
    Registered register(Binding binding, long parentId, String name, Lookup first, Lookup again)
            throws FuseException {
        long since = binding.releaseEpoch;
        return register(binding, parentId, name, first.call(), since, again);
    }

    /**
     * {@link #register(Binding, long, String, Lookup, Lookup)} of an entry the backend answered after the release
     * epoch was {@code since}.
     */
    Registered register(Binding binding, long parentId, String name, Entry answered, long since, Lookup again)
            throws FuseException {
        Entry entry = answered;
        long asked = since;
        for (int attempt = 0;; attempt++) {
            NodeRecord record = register(binding, parentId, name, entry, asked);
            if (record != null) {
                return new Registered(record, entry);
            }
            if (attempt == MAX_LOOKUPS_AGAIN) {
                throw new FuseException(Errno.ESTALE, "the node of '" + name + "' was released " + attempt
                        + " times while being looked up");
            }
            asked = binding.releaseEpoch;
            entry = again.call();
        }
    }

    /** {@link #register(Binding, long, String, Lookup, Lookup)} of a lookup, which is its own retry. */
    Registered register(Binding binding, long parentId, String name, Lookup lookup) throws FuseException {
        return register(binding, parentId, name, lookup, lookup);
    }

    /**
     * Registers an entry a backend returned for {@code name} in {@code parentId}, asked for after the release
     * epoch was {@code since}: one more kernel lookup on its node.
     *
     * @return {@code null} when the node was released after {@code since} (look the name up again)
     * @throws FuseException {@code ESTALE} when {@code binding} was replaced while the request ran
     */
    NodeRecord register(Binding binding, long parentId, String name, Entry entry, long since)
            throws FuseException {
        synchronized (this) {
            while (binding == current) {
                NodeRecord record = binding.nodes.get(entry.node());
                if (record == null) {
                    Release release = released(binding, entry.node(), since);
                    if (release == Release.RUNNING) {
                        continue; // waited for it: look at the table again
                    }
                    if (release == Release.SINCE) {
                        return null;
                    }
                    record = adoptOrCreate(binding, parentId, name, entry.node());
                }
                record.lookups++;
                record.inode = entry.attributes().inode();
                link(record, parentId, name);
                return record;
            }
        }
        discard(binding, entry.node());
        throw new FuseException(Errno.ESTALE, "backend swapped during the request");
    }

    /** Where a node the binding does not know stands with its release. */
    private enum Release {
        /** Not released, or released before the request asked: the backend's answer is a live node. */
        BEFORE,
        /** Released after the request asked: the backend may have let go of what it answered. */
        SINCE,
        /** Its release is running: waited for a change, after which the caller looks at the table again. */
        RUNNING
    }

    /**
     * Where {@code node}, which the binding does not know, stands with its release, for an answer the backend
     * gave after the release epoch was {@code since}. Caller holds {@code this}, which a running release makes it
     * wait on (and so give up for a moment).
     */
    private Release released(Binding binding, Node node, long since) throws FuseException {
        Long state = binding.released.get(node);
        if (state == null) {
            return Release.BEFORE;
        }
        if (state == RELEASING) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FuseException(Errno.EINTR, "interrupted waiting for a node's release");
            }
            return Release.RUNNING;
        }
        return state > since ? Release.SINCE : Release.BEFORE;
    }

    private NodeRecord adoptOrCreate(Binding binding, long parentId, String name, Node node) {
        NodeRecord record = byName.get(new ChildKey(parentId, name));
        if (record == null || record.binding == binding || record.ended) {
            record = new NodeRecord(nextId.getAndIncrement());
            byId.put(record.id, record);
        }
        record.node = node;
        record.binding = binding;
        binding.nodes.put(node, record);
        return record;
    }

    /**
     * Releases a node the mount got from {@code binding} but keeps no record of (the backend answered it to a
     * request that then failed), unless the binding knows it or releases it already.
     */
    private void discard(Binding binding, Node node) {
        synchronized (this) {
            Long state = binding.released.get(node);
            if (binding.nodes.containsKey(node) || state != null && state == RELEASING) {
                return;
            }
            binding.released.put(node, RELEASING);
        }
        release(List.of(new Ending(binding, node)));
    }

    /** Undoes {@link #register} when the kernel did not take the reply. */
    void unregister(NodeRecord record) {
        forget(record.id, 1);
    }

    /**
     * The node for a kernel node id in {@code binding}, resolving it again by path if it is of another one, in use
     * until the {@link Use} is closed.
     */
    Use use(Binding binding, long nodeId, Caller caller) throws FuseException {
        NodeRecord record = known(nodeId);
        return new Use(record, resolve(binding, record, caller, 0, true));
    }

    /**
     * {@link #use} for the directory a kernel LOOKUP searches, which it marks as such for
     * {@link #takeChildrenLookedUp}.
     */
    Use useLookupParent(Binding binding, long nodeId, Caller caller) throws FuseException {
        NodeRecord record = known(nodeId);
        if (!record.childrenLookedUp) {
            record.childrenLookedUp = true; // written once per run of lookups: the field is volatile
        }
        return new Use(record, resolve(binding, record, caller, 0, true));
    }

    /**
     * The node of a record something already keeps (an open file), in {@code binding}, resolved again by path if
     * it is of another binding. Not a use of its own.
     */
    Node resolve(Binding binding, NodeRecord record, Caller caller) throws FuseException {
        return resolve(binding, record, caller, 0, false);
    }

    /** One more use of a record the caller keeps alive already (a use, or a lookup just registered). */
    void pin(NodeRecord record) {
        record.uses.incrementAndGet();
    }

    /** Ends one use; the record ends if it was the last and the kernel forgot the node. */
    void unpin(NodeRecord record) {
        // With the forget's write of lookups and read of uses, one of the two sides sees the other's change.
        if (record.uses.decrementAndGet() == 0 && record.lookups == 0) {
            List<Ending> ending = new ArrayList<>(1);
            synchronized (this) {
                endIfUnused(record, ending);
            }
            release(ending);
        }
    }

    private NodeRecord known(long nodeId) throws FuseException {
        NodeRecord record = byId.get(nodeId);
        if (record == null) {
            throw new FuseException(Errno.ESTALE, "unknown node " + nodeId);
        }
        return record;
    }

    private Node resolve(Binding binding, NodeRecord record, Caller caller, int depth, boolean use)
            throws FuseException {
        long nodeId = record.id;
        long parentId;
        String name;
        synchronized (this) {
            if (record.ended) {
                throw new FuseException(Errno.ESTALE, "node " + nodeId + " was forgotten");
            }
            if (record.binding == binding) {
                if (use) {
                    record.uses.incrementAndGet();
                }
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
        Node parent = resolve(binding, known(parentId), caller, depth + 1, false);
        for (int attempt = 0; attempt <= MAX_LOOKUPS_AGAIN; attempt++) {
            long since = binding.releaseEpoch;
            Entry entry = binding.fs.lookup(caller, parent, name);
            Node resolved;
            synchronized (this) {
                Release release = Release.BEFORE;
                while (binding == current && !record.ended && record.binding != binding
                        && !binding.nodes.containsKey(entry.node())
                        && (release = released(binding, entry.node(), since)) == Release.RUNNING) {
                    release = Release.BEFORE; // waited for a running release: look at the table again
                }
                if (record.binding == binding && !record.ended) {
                    resolved = record.node; // another request resolved it meanwhile: ours is surplus
                } else if (binding == current && !record.ended) {
                    if (release == Release.SINCE) {
                        continue; // released while we looked: look again
                    }
                    binding.nodes.putIfAbsent(entry.node(), record);
                    record.node = entry.node();
                    record.binding = binding;
                    record.inode = entry.attributes().inode();
                    if (use) {
                        record.uses.incrementAndGet();
                    }
                    return record.node;
                } else {
                    resolved = null;
                }
                if (resolved != null && use) {
                    record.uses.incrementAndGet();
                }
            }
            if (!sameNode(resolved, entry.node())) {
                discard(binding, entry.node());
            }
            if (resolved == null) {
                throw new FuseException(Errno.ESTALE, "node " + nodeId + " was forgotten or the backend swapped");
            }
            return resolved;
        }
        throw new FuseException(Errno.ESTALE, "node " + nodeId + " kept being released while resolved again");
    }

    private static boolean sameNode(Node kept, Node answered) {
        return kept != null && kept.equals(answered);
    }

    /** The kernel forgets {@code count} lookups of {@code nodeId}. */
    void forget(long nodeId, long count) {
        List<Ending> ending = new ArrayList<>(1);
        synchronized (this) {
            NodeRecord record = forgettable(nodeId);
            if (record != null) {
                drop(record, count, ending);
            }
        }
        release(ending);
    }

    /** Nodes dropped under one hold of the table's lock: enough to spare the lock traffic, short for lookups. */
    private static final int FORGET_CHUNK = 64;

    /**
     * {@link #forget(long, long)} for a BATCH_FORGET: the table's lock is taken once per chunk of nodes, and the
     * backend releases nodes outside it.
     */
    void forget(long[] nodeIds, long[] counts) {
        List<Ending> ending = new ArrayList<>();
        for (int from = 0; from < nodeIds.length; from += FORGET_CHUNK) {
            int to = Math.min(nodeIds.length, from + FORGET_CHUNK);
            synchronized (this) {
                for (int i = from; i < to; i++) {
                    NodeRecord record = forgettable(nodeIds[i]);
                    if (record != null) {
                        drop(record, counts[i], ending);
                    }
                }
            }
            release(ending);
            ending.clear();
        }
    }

    /** The record a forget applies to: {@code null} for the root (never forgotten) and unknown ids. */
    private NodeRecord forgettable(long nodeId) {
        return nodeId == ROOT_ID ? null : byId.get(nodeId);
    }

    /** Takes {@code count} kernel lookups off a node; it ends if none are left and the mount does not use it. */
    private void drop(NodeRecord record, long count, List<Ending> ending) {
        record.lookups = Math.max(0, record.lookups - count);
        if (record.lookups == 0) {
            endIfUnused(record, ending);
        }
    }

    /**
     * Ends a record nothing keeps any more: its id leaves the table, and its backend node is marked
     * {@link #RELEASING} and added to {@code ending}. Caller holds {@code this}.
     */
    private void endIfUnused(NodeRecord record, List<Ending> ending) {
        if (record.ended || record.id == ROOT_ID || record.lookups > 0 || record.uses.get() > 0) {
            return;
        }
        record.ended = true;
        byId.remove(record.id);
        if (!record.detached()) {
            byName.remove(new ChildKey(record.parentId, record.name), record);
        }
        Binding binding = record.binding;
        if (binding != null && binding.nodes.remove(record.node, record)) {
            binding.released.put(record.node, RELEASING);
            ending.add(new Ending(binding, record.node));
        }
    }

    /**
     * Tells each node's backend it may let the node go (if its file system is still open), then records each
     * release's epoch and wakes requests that wait for one. Called without the table's lock.
     */
    private void release(List<Ending> ending) {
        if (ending.isEmpty()) {
            return;
        }
        Binding acquired = null; // the binding of the last node, while its file system is open (nearly always one)
        Binding last = null;
        try {
            for (Ending end : ending) {
                if (end.binding != last) {
                    if (acquired != null) {
                        acquired.release();
                    }
                    last = end.binding;
                    acquired = last.acquire() ? last : null;
                }
                if (acquired != null) {
                    acquired.releaseNode(end.node);
                }
            }
        } finally {
            if (acquired != null) {
                acquired.release();
            }
            synchronized (this) {
                for (Ending end : ending) {
                    long epoch = ++end.binding.releaseEpoch;
                    end.binding.released.put(end.node, epoch);
                }
                notifyAll();
            }
        }
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

    /** The entry clock's tick now: what is read from a directory after it holds every change up to the tick. */
    long entryClock() {
        return entryClock.get();
    }

    /**
     * Entries of {@code dir} were added, removed or renamed, through the mount or behind it (as the backend
     * reports). Called once the change is made and before the kernel learns of it, so that what was read from the
     * directory before ({@link UnopenedListings}) is not handed to the kernel after.
     */
    void entriesChanged(NodeRecord dir) {
        dir.entriesChangedAt = entryClock.incrementAndGet();
    }

    /** As {@link #entriesChanged} for every directory: the backend lost track of what changed. */
    void everyDirectoryChanged() {
        everyDirectoryChangedAt = entryClock.incrementAndGet();
    }

    /** Whether no entry of {@code dir} changed since the clock's {@code tick} ({@link #entryClock}). */
    boolean entriesUnchangedSince(NodeRecord dir, long tick) {
        return tick >= dir.entriesChangedAt && tick >= everyDirectoryChangedAt;
    }

    /** The kernel node a backend node of {@code binding} stands for, or {@code null}. */
    synchronized NodeRecord recordOf(Binding binding, Node node) {
        return binding.nodes.get(node);
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
