package fuse.backend.overlay.internal;

import static fuse.posix.Linux.RLIMIT_NOFILE;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.Entry;
import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.posix.Posix;
import fuse.posix.PosixException;
import fuse.posix.ResourceLimit;


/**
 * The overlay's nodes, interned so that one object of the merged view is one node however it is reached, and
 * counted like the kernel counts lookups.
 *
 * <h2>Identity</h2>
 * A node is registered under the key of the layer file it was found as, and copy-up adds the key of its upper
 * file, so lookups after copy-up find the same node:
 * <ul>
 * <li>an object with an upper file: the upper file ({@link UpperKey});
 * <li>a lower-only directory, or a lower-only file with one link: the lower file ({@link LowerKey});
 * <li>a lower-only file with several links: its place ({@link LinkKey}), because, as with kernel overlayfs
 * without {@code index}, every link of a lower hard link is its own object, copied up separately.
 * </ul>
 * Lookups resolve names without the namespace lock, so a resolution can be overtaken by a copy-up of the object
 * it found: {@link #intern(OverlayNode, String, Resolution, long)} refuses to make a node of such a resolution, so
 * that an object never has two nodes (two nodes would copy it up twice, the second time into an unlinked file).
 *
 * <h2>Inode numbers</h2>
 * A node's number is fixed when it is made, so it survives copy-up (the kernel's samefs/xino behaviour):
 * directories report their topmost lower directory when they have one (merged directories cannot be renamed, so
 * that is their origin), else their upper directory; non-directories their lower file until copy-up and, for as
 * long as the mount lives, the same number after it: copy-up records the upper file's number here
 * ({@link #recordOrigin}), so a node made again for the copied file after the first one was forgotten reports the
 * origin's number too. Numbers of lower hard links are shared by their (separate) copies, as before copy-up.
 *
 * <h2>References</h2>
 * Each resolution interned counts one, which the code that took it gives back ({@link #forget}) or hands to the
 * mount in an entry ({@link #entry}, {@link #handedOver}); the mount's are given back all at once when it releases
 * the node ({@link #release}). A node also holds one reference on its parent while it lives, so the parent chain
 * copy-up needs stays. At zero the node's layer descriptors close.
 */
final class NodeTable {
    record UpperKey(long device, long inode) {
    }

    record LowerKey(long device, long inode) {
    }

    record LinkKey(long parentSerial, String name) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(NodeTable.class);
    private static final long LIMIT_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final String label;
    private final InodeNumbers inodes;
    private final Owners shown;
    /** Layer descriptors the nodes may hold at once; a new node beyond it is refused with {@code ENFILE}. */
    private final int maxDescriptors;
    /** Guarded by {@code this}: layer descriptors the registered nodes hold. */
    private long descriptors;
    private final AtomicLong limitLoggedAt = new AtomicLong(System.nanoTime() - LIMIT_LOG_INTERVAL_NANOS);
    /** Guarded by {@code this}. */
    private final Map<Object, OverlayNode> byKey = new HashMap<>();
    private final ConcurrentHashMap<UpperKey, Long> origins = new ConcurrentHashMap<>();
    /** Guarded by {@code this}. */
    private long nextSerial = 1;
    private OverlayNode root;

    /**
     * @param label names the overlay in the log line at the limit
     * @param shown how nodes show owners
     * @param maxDescriptors layer descriptors the nodes may hold at once (each node holds one per layer file it
     *        is made of); {@code 0}: {@link #halfTheDescriptorLimit}
     */
    NodeTable(String label, InodeNumbers inodes, Owners shown, int maxDescriptors) {
        this.label = label;
        this.inodes = inodes;
        this.shown = shown;
        this.maxDescriptors = maxDescriptors > 0 ? maxDescriptors : halfTheDescriptorLimit();
    }

    /**
     * Half of {@code RLIMIT_NOFILE}, the half the mounts' open files leave: every node the kernel knows holds its
     * descriptors (the local backend's nodes, kept by file handle, hold none while idle, and its nodes without
     * handles a quarter), and with long cache timeouts the kernel knows every file a tree walk met.
     */
    private static int halfTheDescriptorLimit() {
        try {
            long soft = Posix.getrlimit(RLIMIT_NOFILE).soft();
            return (int) (soft == ResourceLimit.UNLIMITED ? 1 << 20 : Math.clamp(soft / 2, 64, 1 << 20));
        } catch (PosixException e) {
            return 1024;
        }
    }

    /** Layer descriptors the registered nodes hold: for tests. */
    synchronized long descriptors() {
        return descriptors;
    }

    /** Makes the root node from its resolution; pinned, never forgotten. */
    synchronized OverlayNode pinRoot(Resolution resolution) throws FuseException {
        root = intern(null, "", resolution);
        root.references = Long.MAX_VALUE / 2;
        return root;
    }

    /**
     * The node for {@code resolution}, made where no copy-up can have made it stale: under the namespace lock, or
     * for the root. Counts one reference and takes ownership of the resolution's files, as
     * {@link #intern(OverlayNode, String, Resolution, long)}.
     */
    synchronized OverlayNode intern(OverlayNode parent, String name, Resolution resolution) throws FuseException {
        OverlayNode node = intern(parent, name, resolution, parent == null ? 0 : parent.copyUpsPlaced);
        if (node == null) {
            throw new IllegalStateException("a copy-up into " + parent + " was placed without the namespace lock");
        }
        return node;
    }

    /**
     * The node for {@code resolution}, found at {@code name} in {@code parent}; counts one reference. Takes
     * ownership of the resolution's files: they become the new node's, or are closed when the object already
     * has a node.
     *
     * <p>A resolution made without the namespace lock may be stale: it found the lower file, then a concurrent
     * copy-up placed the object in the upper layer, and the node that did it may since have been forgotten. A node
     * made from it would show the lower file and copy the object up a second time, into an unlinked file (the name
     * is taken): its writes would be lost. Hence {@code null} (the resolution closed) when no node answers for the
     * object at that place and a copy-up was placed into the parent since {@code placedBefore}, which the caller
     * read before resolving: it resolves again under the namespace lock. Whatever copied the object up before
     * that read is seen by the resolution itself; whatever did it later either still holds its node, found here,
     * or was forgotten after the count changed (copy-up counts before its caller gives its reference back).
     */
    synchronized OverlayNode intern(OverlayNode parent, String name, Resolution resolution, long placedBefore)
            throws FuseException {
        Object key = key(parent, name, resolution);
        OverlayNode existing = byKey.get(key);
        // A key of a lower file still names a node copied up and moved away: not the object at this place. (Found
        // at the node's own place, it is the same object, copied up right after the resolution.)
        boolean movedAway = existing != null && !(key instanceof UpperKey) && existing.upper != null
                && !(existing.parent == parent && existing.name.equals(name));
        if (existing != null && !movedAway) {
            existing.references++;
            resolution.close();
            return existing;
        }
        if (resolution.upper() == null && parent != null && parent.copyUpsPlaced != placedBefore) {
            resolution.close();
            return null;
        }
        int held = descriptorsOf(resolution);
        if (parent != null && descriptors + held > maxDescriptors) {
            resolution.close();
            logLimit();
            throw new FuseException(Errno.ENFILE, label + ": the nodes hold " + descriptors + " layer descriptors, "
                    + "the limit is " + maxDescriptors);
        }
        descriptors += held;
        if (movedAway) {
            existing.keys.remove(key);
            byKey.remove(key);
        }
        OverlayNode node = new OverlayNode(nextSerial++, resolution.type(), inodeOf(resolution), parent, name,
                resolution.upper(), resolution.lower(), resolution.lowerDirs(), resolution.data(), shown);
        node.references = 1;
        node.keys.add(key);
        byKey.put(key, node);
        if (parent != null) {
            parent.references++;
        }
        return node;
    }

    /**
     * The node whose upper file is {@code (device, inode)}, with one more reference, or {@code null} when there is
     * none. A node's descriptor pins its file, so no other file has that number while the node lives.
     */
    synchronized OverlayNode referenceUpper(long device, long inode) {
        OverlayNode node = upperNode(device, inode);
        if (node != null) {
            node.references++;
        }
        return node;
    }

    /** The node whose upper file is {@code (device, inode)}, or {@code null}; no reference counted. */
    synchronized OverlayNode upperNode(long device, long inode) {
        return byKey.get(new UpperKey(device, inode));
    }

    /** The serial the next new node gets: a node with a lower one existed before this was read. */
    synchronized long nextSerial() {
        return nextSerial;
    }

    private static int descriptorsOf(Resolution r) {
        return (r.upper() != null ? 1 : 0) + (r.lower() != null ? 1 : 0) + r.lowerDirs().size();
    }

    private void logLimit() {
        long now = System.nanoTime();
        long last = limitLoggedAt.get();
        if (now - last >= LIMIT_LOG_INTERVAL_NANOS && limitLoggedAt.compareAndSet(last, now)) {
            LOG.warn("{}: the nodes the kernel knows hold {} layer descriptors, the limit (half of "
                    + "RLIMIT_NOFILE); lookups and creates beyond it fail with ENFILE until the kernel forgets some "
                    + "(logged at most every {} s)", label, maxDescriptors,
                    TimeUnit.NANOSECONDS.toSeconds(LIMIT_LOG_INTERVAL_NANOS));
        }
    }

    private static Object key(OverlayNode parent, String name, Resolution r) {
        RealFile upper = r.upper();
        if (upper != null) {
            return new UpperKey(upper.device, upper.inode);
        }
        RealFile real = r.real();
        if (r.isDirectory() || r.linkCount() <= 1 || parent == null) {
            return new LowerKey(real.device, real.inode);
        }
        return new LinkKey(parent.serial, name);
    }

    private long inodeOf(Resolution r) {
        if (r.isDirectory()) {
            RealFile origin = r.lowerDirs().isEmpty() || r.redirected() ? r.upper() : r.lowerDirs().get(0);
            return inodes.of(origin.device, origin.inode);
        }
        RealFile upper = r.upper();
        if (upper != null) {
            Long origin = origins.get(new UpperKey(upper.device, upper.inode));
            if (origin != null) {
                return origin;
            }
        }
        RealFile real = r.real();
        return inodes.of(real.device, real.inode);
    }

    /** The number of a layer file as reported, for directory listings. */
    long inodeOfReal(boolean upper, long device, long inode) {
        if (upper) {
            Long origin = origins.get(new UpperKey(device, inode));
            if (origin != null) {
                return origin;
            }
        }
        return inodes.of(device, inode);
    }

    /**
     * Copy-up made {@code upper} the node's upper file: register its key (before the file becomes visible in the
     * upper directory, so that a concurrent lookup already finds this node) and remember the node's number for it.
     */
    synchronized void addUpper(OverlayNode node, long device, long inode) {
        UpperKey key = new UpperKey(device, inode);
        byKey.put(key, node);
        node.keys.add(key);
        descriptors++; // the copy's descriptor, which the node holds from now on
        if (!node.isDirectory()) {
            origins.put(key, node.inode);
        }
    }

    /** Undoes {@link #addUpper} for a copy-up that failed. */
    synchronized void removeUpper(OverlayNode node, long device, long inode) {
        UpperKey key = new UpperKey(device, inode);
        byKey.remove(key, node);
        node.keys.remove(key);
        descriptors--;
        origins.remove(key);
    }

    /** An upper file's last link is gone: its number may be reused by a new file. */
    void forgetOrigin(long device, long inode) {
        origins.remove(new UpperKey(device, inode));
    }

    /** A rename moved {@code node} to {@code name} in {@code parent}: moves its parent reference too. */
    void moved(OverlayNode node, OverlayNode parent, String name) {
        OverlayNode previous;
        synchronized (this) {
            previous = node.parent;
            node.name = name;
            if (previous == parent) {
                return;
            }
            node.parent = parent;
            parent.references++;
        }
        forget(previous, 1);
    }

    /**
     * The entry of a node the caller holds one reference on, which goes to the mount with the entry; given back on
     * failure.
     */
    Entry entry(OverlayNode node) throws FuseException {
        Entry entry;
        try {
            entry = new Entry(node, node.attributes());
        } catch (FuseException | RuntimeException e) {
            forget(node, 1);
            throw e;
        }
        handedOver(node);
        return entry;
    }

    /** One reference the caller held on {@code node} is the mount's now, given back when it releases the node. */
    synchronized void handedOver(OverlayNode node) {
        node.mountReferences++;
    }

    /** An entry handed over ({@link #entry}, {@link #handedOver}) that never reached the mount: its reference back. */
    void takeBack(OverlayNode node) {
        synchronized (this) {
            node.mountReferences--;
        }
        forget(node, 1);
    }

    /**
     * The mount released {@code node}: gives back every reference it was handed. A lookup that interned the node
     * meanwhile keeps its own; the mount looks that name up again, which hands it over anew.
     */
    void release(OverlayNode node) {
        long handed;
        synchronized (this) {
            handed = node.mountReferences;
            node.mountReferences = 0;
        }
        if (handed > 0) {
            forget(node, handed);
        }
    }

    /** Takes one more reference on a node the caller already holds. */
    synchronized void reference(OverlayNode node) {
        node.references++;
    }

    /** Gives back {@code count} references; a node at zero is dropped with its descriptors. */
    void forget(OverlayNode node, long count) {
        List<OverlayNode> released = new ArrayList<>();
        synchronized (this) {
            OverlayNode current = node;
            long n = count;
            while (current != null && current != root) {
                current.references -= n;
                if (current.references > 0) {
                    break;
                }
                for (Object key : current.keys) {
                    byKey.remove(key, current);
                }
                current.keys.clear();
                descriptors -= current.descriptorCount();
                released.add(current);
                current = current.parent;
                n = 1;
            }
        }
        released.forEach(OverlayNode::closeFiles);
    }

    /** Nodes currently registered, the root included: for tests. */
    synchronized int size() {
        return (int) byKey.values().stream().distinct().count();
    }

    synchronized void closeAll() {
        List<OverlayNode> all = new ArrayList<>(byKey.values());
        byKey.clear();
        all.stream().distinct().forEach(OverlayNode::closeFiles);
    }
}
