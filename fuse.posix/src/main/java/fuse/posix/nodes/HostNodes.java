package fuse.posix.nodes;

import static fuse.posix.Linux.AT_EMPTY_PATH;
import static fuse.posix.Linux.EXT4_SUPER_MAGIC;
import static fuse.posix.Linux.O_CLOEXEC;
import static fuse.posix.Linux.O_DIRECTORY;
import static fuse.posix.Linux.O_PATH;
import static fuse.posix.Linux.O_RDONLY;
import static fuse.posix.Linux.RLIMIT_NOFILE;
import static fuse.posix.Linux.TMPFS_MAGIC;
import static fuse.posix.Linux.XFS_SUPER_MAGIC;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import fuse.api.Entry;
import fuse.api.Errno;
import fuse.api.FileType;
import fuse.api.FuseException;
import fuse.posix.FileStat;
import fuse.posix.HostHandle;
import fuse.posix.Posix;
import fuse.posix.PosixException;
import fuse.posix.ResourceLimit;

/**
 * The nodes a mount knows of a host tree, one per live host file, deduplicated by {@code (device, inode)}, from
 * the lookup that makes one ({@link #node}) until the mount releases it ({@link #release}: the mount counts, the
 * cache does not; a node an operation made but never handed to the mount goes back with {@link #takeBack}), each
 * with an {@code O_PATH} descriptor that stays bounded however many files the kernel knows.
 *
 * <p><b>Descriptors.</b> Where the file system encodes file handles and the server may open them
 * ({@code CAP_DAC_READ_SEARCH}), a node's descriptor is a cache entry: kept for the most recently used nodes, at
 * most {@code cachedDescriptors} idle ones (a clock sweep closes the least recently used), held open while a
 * {@link NodeDescriptor} uses it, and opened again from the node's file handle when the node is used
 * ({@code open_by_handle_at}, as virtiofsd does with {@code --inode-file-handles}). A file gone meanwhile answers
 * {@code ESTALE}. The handle ({@code name_to_handle_at}) is taken when the sweep first closes the descriptor, not
 * when the node is made: most nodes of a walk are forgotten before then, and a lookup of a new name costs two system
 * calls instead of three. Directories, and the first file of each file system, take theirs at once: the first
 * directory of each mount beneath the root leaves the descriptor that mount's handles are opened with, and the first
 * file says whether its file system gives handles at all. A descriptor reopened while the cache is full waits on
 * probation (see {@link #admit}) rather than push out the least recently used one. Where handles are not available
 * (another file system, no capability), each node holds its descriptor while the mount knows it, as before, and at
 * most {@code heldDescriptors} such nodes exist: a lookup beyond that fails with {@code ENFILE}, and the log says
 * why, once per interval.
 *
 * <p><b>Identity.</b> A node with a descriptor open pins its inode, so its {@code (device, inode)} names it and
 * nothing else. A node without one may have lost its file, and the inode number may be reused by a new file: its
 * handle (which carries the inode's generation, and was taken before the descriptor closed) tells the two apart,
 * and the new file gets a new node.
 *
 * <p><b>Confinement.</b> A handle reopens the very file it was taken from, with no path resolved, so it never
 * leads anywhere a lookup did not; handles come only from files the backend reached itself.
 *
 * <p><b>Locks.</b> The map's per-key lock (which node a file has), a node's lock (opening and closing its descriptor),
 * the clock's lock (which descriptors are cached). The clock's lock may take a node's; a node's takes none.
 *
 * @param <N> the backend's node type
 */
public final class HostNodes<N extends HostNode> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HostNodes.class);
    /**
     * The fewest idle descriptors cached for recently used nodes unless told otherwise; the default is a quarter of
     * the process's descriptor limit, at most {@link #MOST_CACHED_DESCRIPTORS}.
     */
    public static final int DEFAULT_CACHED_DESCRIPTORS = 1024;
    /**
     * The default's ceiling: a tree walked again (find, stat after create, rm -rf) reopens each file by its handle
     * once it fell out of the cache (measured: 20 % slower GETATTR at 5,000 files with 1,024 cached), while each
     * cached descriptor only pins a dentry and an inode of the source in the kernel's caches.
     */
    private static final int MOST_CACHED_DESCRIPTORS = 65536;
    private static final int NODE_FLAGS = O_PATH | O_CLOEXEC;
    /** Every this many reopens while the cache is full, one joins the clock at once instead of going on probation. */
    static final int ADMIT_EVERY = 32;
    private static final long LIMIT_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    /**
     * File systems whose handles of type {@code FILEID_INO32_GEN} (8 bytes) and {@code FILEID_INO32_GEN_PARENT} (16)
     * begin with the inode number, as a u32, then its generation: the kernel's generic encoding (ext2/3/4, xfs).
     */
    private static final Set<Long> INODE_FIRST_HANDLES = Set.of(EXT4_SUPER_MAGIC, XFS_SUPER_MAGIC);
    /** tmpfs's handles ({@code shmem_encode_fh}): type 1, 12 bytes: generation, inode number's low and high u32. */
    private static final int SHMEM_HANDLE_BYTES = 12;
    private static final int FILEID_INO32_GEN = 1;
    private static final int FILEID_INO32_GEN_PARENT = 2;
    private static final VarHandle HANDLE_INT = MethodHandles.byteArrayViewVarHandle(int[].class,
            ByteOrder.nativeOrder());

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

    private final String label;
    private final Function<HostNode.Identity, N> factory;
    private final ConcurrentHashMap<Key, N> nodes = new ConcurrentHashMap<>();
    /** The nodes with a handle, by it: what {@link #findByHandle} answers a watch from, with no system call. */
    private final ConcurrentHashMap<HostHandle, N> byHandle = new ConcurrentHashMap<>();
    /** The mount the root's handle was taken through, or -1 without handles. */
    private volatile int rootMountId = -1;
    /** The root's file system's {@code f_type}, which says how its handles carry the inode number; 0 unknown. */
    private volatile long rootFileSystem;
    /**
     * File systems, by device, whose files take their handles when their descriptors first close (one of their files
     * gave a handle that the server can open); the first node of any other takes its handle at once.
     */
    private final Set<Long> laterHandles = ConcurrentHashMap.newKeySet();
    private final N root;
    /** Whether nodes keep file handles; otherwise {@link #withoutHandles} says why not. */
    private final boolean handles;
    private final String withoutHandles;
    private final int cachedDescriptors;
    private final int heldDescriptors;
    /** Descriptors of directories on each mount beneath the root, by {@code mount_id}, to open handles with. */
    private final Map<Integer, Integer> mountFds = new ConcurrentHashMap<>();
    /** Open descriptors of nodes that may close them (the cache), in clock order; guarded by itself. */
    private final LinkedHashSet<HostNode> clock = new LinkedHashSet<>();
    private final AtomicInteger cached = new AtomicInteger();
    /** The last descriptor reopened while the cache was full, not on the clock yet; guarded by {@link #clock}. */
    private HostNode probation;
    /** Reopens while the cache was full, for {@link #ADMIT_EVERY}; guarded by {@link #clock}. */
    private int reopensWhenFull;
    /** Descriptors reopened from handles so far. */
    private final AtomicLong reopened = new AtomicLong();
    /** Nodes that keep their descriptors (no handle to be had), the root aside. */
    private final AtomicInteger held = new AtomicInteger();
    private final AtomicLong limitLoggedAt = new AtomicLong(System.nanoTime() - LIMIT_LOG_INTERVAL_NANOS);
    private volatile boolean closed;

    private HostNodes(String label, Function<HostNode.Identity, N> factory, int rootFd, FileStat rootStat,
            String withoutHandles, int cachedDescriptors, int heldDescriptors) {
        this.label = label;
        this.factory = factory;
        this.handles = withoutHandles == null;
        this.withoutHandles = withoutHandles;
        this.cachedDescriptors = cachedDescriptors;
        this.heldDescriptors = heldDescriptors;
        this.root = factory.apply(new HostNode.Identity(this, rootStat.device(), rootStat.inode(),
                FileType.DIRECTORY, null, true));
        root.install(rootFd, 0);
        nodes.put(new Key(rootStat.device(), rootStat.inode()), root);
    }

    /**
     * A descriptor to open a mount's handles with: {@code open_by_handle_at} takes no {@code O_PATH} descriptor,
     * so the directory {@code directoryFd} stands for is opened for reading.
     */
    private static int openMountFd(int directoryFd) throws PosixException {
        return Posix.openat(directoryFd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    }

    /**
     * A cache for the tree under {@code rootFd} (an {@code O_PATH} directory descriptor, owned from now on: the
     * root's, closed with the cache). Finds out once whether the root's file system gives file handles that the
     * server can open, and logs how it keeps descriptors.
     *
     * @param label names the tree in log lines, e.g. {@code "root /srv/data"}
     * @param maxDescriptors with handles, the idle descriptors cached ({@code 0}: a quarter of the process's
     *        descriptor limit, between {@value #DEFAULT_CACHED_DESCRIPTORS} and {@value #MOST_CACHED_DESCRIPTORS});
     *        without, the most nodes that exist at once ({@code 0}: a quarter of the process's descriptor limit)
     * @param factory makes the backend's node from the identity the cache gives it
     */
    public static <N extends HostNode> HostNodes<N> open(String label, int rootFd, int maxDescriptors,
            Function<HostNode.Identity, N> factory) throws FuseException {
        return open(label, rootFd, maxDescriptors, factory, Level.INFO);
    }

    /**
     * {@link #open(String, int, int, Function)}, saying how it keeps nodes at {@code level} (DEBUG for a file system
     * nobody sees, such as a warm-up's: see {@code fuse.api.MountContext.rehearsal}).
     */
    public static <N extends HostNode> HostNodes<N> open(String label, int rootFd, int maxDescriptors,
            Function<HostNode.Identity, N> factory, Level level) throws FuseException {
        return open(label, rootFd, maxDescriptors, factory, true, level);
    }

    /** {@link #open}; {@code tryHandles} false keeps every node by its descriptor (for tests). */
    static <N extends HostNode> HostNodes<N> open(String label, int rootFd, int maxDescriptors,
            Function<HostNode.Identity, N> factory, boolean tryHandles) throws FuseException {
        return open(label, rootFd, maxDescriptors, factory, tryHandles, Level.INFO);
    }

    private static <N extends HostNode> HostNodes<N> open(String label, int rootFd, int maxDescriptors,
            Function<HostNode.Identity, N> factory, boolean tryHandles, Level level) throws FuseException {
        FileStat rootStat = Posix.fstat(rootFd);
        HostHandle rootHandle = null;
        String withoutHandles = tryHandles ? null : "not asked for";
        int mountFd = -1;
        try {
            if (tryHandles) {
                rootHandle = Posix.nameToHandleAt(rootFd, "", AT_EMPTY_PATH);
                mountFd = openMountFd(rootFd);
                Posix.closeQuietly(Posix.openByHandleAt(mountFd, rootHandle, NODE_FLAGS));
            }
        } catch (PosixException e) {
            Posix.closeQuietly(mountFd);
            mountFd = -1;
            withoutHandles = e.getMessage() + (e.errno() == Errno.EPERM ? " (needs CAP_DAC_READ_SEARCH)" : "");
        }
        int cachedDescriptors = maxDescriptors > 0 ? maxDescriptors
                : Math.max(DEFAULT_CACHED_DESCRIPTORS, Math.min(MOST_CACHED_DESCRIPTORS, defaultHeld()));
        int heldDescriptors = withoutHandles != null && maxDescriptors > 0 ? maxDescriptors : defaultHeld();
        HostNodes<N> cache = new HostNodes<>(label, factory, rootFd, rootStat, withoutHandles, cachedDescriptors,
                heldDescriptors);
        if (mountFd >= 0) {
            cache.mountFds.put(rootHandle.mountId(), mountFd);
            cache.rootMountId = rootHandle.mountId();
            cache.byHandle.put(rootHandle, cache.root);
            cache.laterHandles.add(rootStat.device());
            cache.rootFileSystem = fileSystemType(rootFd);
        }
        if (withoutHandles == null) {
            LOG.atLevel(level).log("{}: nodes kept by file handle, {} descriptors cached for the most recently used",
                    label, cachedDescriptors);
        } else {
            LOG.atLevel(level).log("{}: no file handles ({}): each node the kernel knows holds a descriptor, at most "
                    + "{} nodes",
                    label, withoutHandles, heldDescriptors);
        }
        return cache;
    }

    private static long fileSystemType(int fd) {
        try {
            return Posix.fileSystemType(fd);
        } catch (PosixException e) {
            return 0;
        }
    }

    /** A quarter of the process's descriptor limit: room for files, other mounts and the rest of the server. */
    private static int defaultHeld() {
        try {
            long soft = Posix.getrlimit(RLIMIT_NOFILE).soft();
            return soft == ResourceLimit.UNLIMITED ? 1 << 20 : (int) Math.max(64, Math.min(1 << 20, soft / 4));
        } catch (PosixException e) {
            return 1024;
        }
    }

    /** The root: never released, its descriptor open until {@link #close}. */
    public N root() {
        return root;
    }

    /** Whether nodes are kept by file handle (else each holds its descriptor). */
    public boolean usesHandles() {
        return handles;
    }

    /**
     * The node of the file {@code fd} is open on (any descriptor of it; owned from now on: it becomes the node's
     * descriptor or is closed), made if there is none.
     *
     * @param stat the file's {@code fstat}
     * @throws FuseException ENFILE when a node that must hold its descriptor would exceed the limit
     */
    public N node(FileStat stat, int fd) throws FuseException {
        N known = findHeld(stat);
        if (known != null) {
            Posix.closeQuietly(fd);
            return known;
        }
        FileType type = FileType.ofMode(stat.attributes().mode());
        boolean later = handles && type != FileType.DIRECTORY && laterHandles.contains(stat.device());
        HostHandle handle = handles && !later ? handleOf(fd) : null;
        if (handle != null) {
            laterHandles.add(stat.device());
        }
        boolean keeps = !later && handle == null;
        Key key = new Key(stat.device(), stat.inode());
        List<N> outcome = new ArrayList<>(1);
        boolean[] installed = {false};
        nodes.compute(key, (k, current) -> {
            if (current != null && isFileOf(current, handle, fd) && current.answered()) {
                synchronized (current) {
                    installed[0] = current.install(fd, 0);
                }
                outcome.add(current);
                return current;
            }
            if (keeps && held.incrementAndGet() > heldDescriptors) {
                held.decrementAndGet();
                return current;
            }
            // A new file, or a new one under the number of a node whose file is gone (or that was taken back):
            // that node lives on for whoever still holds it, without its place in the map.
            N made = factory.apply(new HostNode.Identity(this, k.device, k.inode, type, handle, keeps));
            made.install(fd, 0);
            if (handle != null) {
                byHandle.put(handle, made);
            }
            installed[0] = true;
            outcome.add(made);
            return made;
        });
        if (outcome.isEmpty()) {
            Posix.closeQuietly(fd);
            logNodeLimit();
            throw new FuseException(Errno.ENFILE, label + ": " + heldDescriptors + " nodes hold a descriptor each");
        }
        N node = outcome.get(0);
        if (!installed[0]) {
            Posix.closeQuietly(fd);
        } else if (!node.keepsDescriptor) {
            cache(node);
        }
        return node;
    }

    /**
     * Whether {@code current}, the node of the number of the file {@code fd} is open on, is that file: yes while it
     * holds its descriptor (its inode is alive, the number is its); else if the handle it took before its descriptor
     * closed is that file's ({@code handle}, or taken now: a number met again after its node's descriptor closed).
     */
    private static boolean isFileOf(HostNode current, HostHandle handle, int fd) {
        if (current.holdsDescriptor()) {
            return true;
        }
        HostHandle known = current.handle;
        if (known == null) {
            return false;
        }
        try {
            return known.sameFile(handle != null ? handle : Posix.nameToHandleAt(fd, "", AT_EMPTY_PATH));
        } catch (PosixException e) {
            return false;
        }
    }

    /**
     * The entry of the file {@code fd} is open on: its {@link #node} (the descriptor owned from now on, as there)
     * and its attributes.
     */
    public Entry entry(int fd) throws FuseException {
        FileStat stat;
        try {
            stat = Posix.fstat(fd);
        } catch (PosixException e) {
            Posix.closeQuietly(fd);
            throw e;
        }
        return new Entry(node(stat, fd), stat.attributes());
    }

    /**
     * The node of {@code stat}'s file if the cache can tell it is that file without a descriptor of it: the node
     * holds its own descriptor now, so its inode is alive and the number is its.
     *
     * @return that node, or {@code null} (open the file and take its {@link #node})
     */
    public N findHeld(FileStat stat) {
        N node = nodes.get(new Key(stat.device(), stat.inode()));
        return node != null && node.holdsDescriptor() && node.answered() ? node : null;
    }

    /**
     * {@code node}, answered to an operation that then failed, will not reach the mount (a create whose open
     * failed after its node was made): unless the cache has answered it since to another lookup, which may have
     * handed it to the mount, it leaves the cache as on {@link #release}. Otherwise the mount releases it.
     */
    public void takeBack(N node) {
        if (node != root && node.takenBack()) {
            release(node);
        }
    }

    /**
     * The mount is done with {@code node} ({@code FileSystem.release}): it leaves the cache, its descriptor closes
     * once no use holds it, and a later lookup of its file makes a new node. The root stays.
     */
    public void release(N node) {
        if (node == root) {
            return;
        }
        nodes.remove(new Key(node.device(), node.inode()), node);
        synchronized (node) {
            node.retired = true;
        }
        HostHandle handle = node.handle; // final now: a retired node takes none
        if (handle != null) {
            byHandle.remove(handle, node);
        }
        closeIdle(node);
    }

    /** The node the cache holds for the file {@code (device, inode)}, or {@code null}: e.g. for a host watch. */
    public N find(long device, long inode) {
        return nodes.get(new Key(device, inode));
    }

    /**
     * The node the cache holds for the file whose handle, taken through the root's mount, is {@code handle} (a
     * {@code struct file_handle} as {@link HostHandle#bytes} and fanotify's records carry it), found without a
     * system call; {@code null} when the cache cannot tell (no node has that handle through that mount, e.g. a file
     * reached through another mount beneath the root, or nodes keep no handles): then open the handle and
     * {@link #find} by {@code (device, inode)}. A handle names one file of its file system for good.
     *
     * <p>A node that has not closed its descriptor yet has no handle to match; where the root's file system's handles
     * carry the inode number in a known place ({@link #inodeOf}: ext2/3/4, xfs, tmpfs), that number finds it: its
     * descriptor pins its inode, so the number is its file's. The handle's generation is not compared: a handle of a
     * file deleted since, whose number a new file has now, finds the new file's node (an event of a gone file then
     * drops what the kernel caches of the new one, which costs only a request).
     */
    public N findByHandle(byte[] handle) {
        int mountId = rootMountId;
        if (mountId < 0) {
            return null;
        }
        N node = byHandle.get(new HostHandle(mountId, handle));
        if (node != null) {
            return node;
        }
        long inode = inodeOf(handle, rootFileSystem);
        N held = inode < 0 ? null : nodes.get(new Key(root.device(), inode));
        return held != null && held.handle == null && held.holdsDescriptor() ? held : null;
    }

    /**
     * The inode number in a handle of the file system {@code fileSystem} ({@code f_type}): the first u32 of the
     * kernel's generic encoding ({@code FILEID_INO32_GEN}, {@code FILEID_INO32_GEN_PARENT}: ext2/3/4, xfs), the
     * u64 after the generation in tmpfs's; -1 for any other handle or file system.
     */
    static long inodeOf(byte[] handle, long fileSystem) {
        if (handle.length < HostHandle.HEADER_BYTES) {
            return -1;
        }
        int size = (int) HANDLE_INT.get(handle, 0);
        int type = (int) HANDLE_INT.get(handle, Integer.BYTES);
        if (handle.length != HostHandle.HEADER_BYTES + size) {
            return -1;
        }
        if (INODE_FIRST_HANDLES.contains(fileSystem)
                && (type == FILEID_INO32_GEN && size == 8 || type == FILEID_INO32_GEN_PARENT && size == 16)) {
            return u32(handle, 0);
        }
        if (fileSystem == TMPFS_MAGIC && type == FILEID_INO32_GEN && size == SHMEM_HANDLE_BYTES) {
            return u32(handle, 1) | u32(handle, 2) << 32;
        }
        return -1;
    }

    /** The {@code index}th u32 of a handle's {@code f_handle}. */
    private static long u32(byte[] handle, int index) {
        return Integer.toUnsignedLong((int) HANDLE_INT.get(handle, HostHandle.HEADER_BYTES + index * Integer.BYTES));
    }

    /** Nodes, the root included. */
    public int size() {
        return nodes.size();
    }

    /** Descriptors open now: cached, kept by nodes without a handle, the root's and one per mount it reaches. */
    public int descriptors() {
        return cached.get() + held.get() + 1 + mountFds.size();
    }

    /** Descriptors reopened from file handles so far: uses the cache did not have open. */
    long reopened() {
        return reopened.get();
    }

    /** Closes every descriptor: the file system is closed, no operation follows. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<N> all = new ArrayList<>(nodes.values());
        nodes.clear();
        byHandle.clear();
        for (N node : all) {
            synchronized (node) {
                node.retired = true;
                node.uses.set(0);
                node.closeIfIdle();
            }
        }
        synchronized (clock) {
            if (probation != null) {
                clock.add(probation); // closed with the others
                probation = null;
            }
            for (HostNode node : clock) {
                synchronized (node) {
                    node.uses.set(0);
                    node.closeIfIdle();
                }
            }
            clock.clear();
        }
        mountFds.values().forEach(Posix::closeQuietly);
        mountFds.clear();
    }

    // ------------------------------------------------------------------------------------------ descriptors

    /**
     * Opens a node's descriptor from its handle, held once, unless another thread opened it meanwhile.
     *
     * @return whether this call opened it (and holds it); {@code false}: try holding the open one again
     */
    boolean reopen(HostNode node) throws FuseException {
        synchronized (node) {
            if (node.holdsDescriptor()) {
                return false;
            }
            if (node.retired || node.handle == null || closed) {
                throw node.released();
            }
            int fd = Posix.openByHandleAt(mountFd(node.handle), node.handle, NODE_FLAGS);
            node.install(fd, 1);
            reopened.incrementAndGet();
        }
        admit(node);
        return true;
    }

    /** Closes a retired node's descriptor once no use holds it, and takes it off the books. */
    void closeIdle(HostNode node) {
        boolean closedNow;
        boolean kept;
        synchronized (node) {
            closedNow = node.closeIfIdle();
            kept = node.keepsDescriptor;
        }
        if (!closedNow) {
            return;
        }
        if (kept) {
            if (node != root) {
                held.decrementAndGet();
            }
            return;
        }
        synchronized (clock) {
            if (clock.remove(node)) {
                cached.decrementAndGet();
            } else if (probation == node) {
                probation = null;
                cached.decrementAndGet();
            }
        }
    }

    /**
     * Caches a descriptor just reopened from its handle. While the cache is full it goes on probation instead of
     * the clock: the next reopen closes it, unless it was used again meanwhile (then it joins the clock). A walk of
     * more files than the cache holds (stat after creating them, a tree walked again) would otherwise close, at
     * each reopen, the least recently used descriptor, which is the very next one the walk needs, so that every
     * request of the walk reopened its file (measured: 10,000 stats after creating the files, 5,000 cached, each
     * an {@code open_by_handle_at}, {@code fstat} and {@code close}). On probation, the walk reuses what the
     * cache holds. Every {@value #ADMIT_EVERY}th such reopen joins the clock at once, so that files used over and
     * over while a full cache holds others still get in, if a little later.
     */
    private void admit(HostNode node) {
        synchronized (clock) {
            if (cached.get() < cachedDescriptors || ++reopensWhenFull % ADMIT_EVERY == 0) {
                cache(node);
                return;
            }
            HostNode previous = probation;
            node.recentlyUsed = false;
            probation = node;
            cached.incrementAndGet();
            if (previous != null) {
                boolean closedNow = false;
                if (!previous.recentlyUsed) {
                    synchronized (previous) {
                        closedNow = previous.closeIfIdle();
                    }
                }
                cached.decrementAndGet(); // closed, or counted again as it joins the clock
                if (!closedNow && clock.add(previous)) {
                    cached.incrementAndGet();
                }
            }
            sweep();
        }
    }

    /** Puts a node whose descriptor just opened on the clock; closes idle ones beyond the bound. */
    private void cache(HostNode node) {
        synchronized (clock) {
            if (clock.add(node)) {
                cached.incrementAndGet();
            }
            sweep();
        }
    }

    /** Closes idle descriptors on the clock beyond the bound, the least recently used first; under its lock. */
    private void sweep() {
        if (cached.get() <= cachedDescriptors) {
            return; // within the bound: nothing to sweep (a walk of a tree adds a node per name it meets)
        }
        int sweeps = 2 * clock.size();
        Iterator<HostNode> hand = clock.iterator();
        List<HostNode> again = new ArrayList<>();
        while (cached.get() > cachedDescriptors && sweeps-- > 0) {
            if (!hand.hasNext()) {
                clock.addAll(again);
                again.clear();
                hand = clock.iterator();
                if (!hand.hasNext()) {
                    break;
                }
            }
            HostNode candidate = hand.next();
            hand.remove();
            boolean left;
            if (candidate.recentlyUsed) {
                candidate.recentlyUsed = false;
                left = false;
            } else {
                left = leaveClock(candidate);
            }
            if (left) {
                cached.decrementAndGet();
            } else {
                again.add(candidate);
            }
        }
        clock.addAll(again);
    }

    /**
     * Closes the idle descriptor of {@code node}, which the sweep took off the clock, taking its handle first if it
     * has none yet; under the clock's lock. A node whose file gives no handle now (a file mounted over another beneath
     * the root, whose mount no directory entered) keeps its descriptor from now on instead, as a node of a file system
     * without handles would have from the start.
     *
     * @return whether it left the clock: closed, or kept for good
     */
    private boolean leaveClock(HostNode node) {
        synchronized (node) {
            if (node.handle == null && !node.retired && node.uses.get() == 0 && !takeHandle(node)) {
                node.keepsDescriptor = true;
                if (held.incrementAndGet() > heldDescriptors) {
                    logNodeLimit(); // kept anyway: closing it would lose the file; new such nodes get ENFILE
                }
                return true;
            }
            return node.closeIfIdle();
        }
    }

    /** Takes the handle of a node made without one from its open descriptor, under its lock; whether it has one. */
    @SuppressWarnings("unchecked")
    private boolean takeHandle(HostNode node) {
        HostHandle taken = handleOf(node.fd);
        if (taken == null) {
            return false;
        }
        node.handle = taken;
        byHandle.put(taken, (N) node);
        return true;
    }

    /** A descriptor on the mount {@code handle} was taken through, to open it with. */
    private int mountFd(HostHandle handle) throws FuseException {
        Integer fd = mountFds.get(handle.mountId());
        if (fd == null) {
            throw new FuseException(Errno.ESTALE, label + ": no descriptor of mount " + handle.mountId());
        }
        return fd;
    }

    /**
     * The handle of {@code fd}'s file, or {@code null} when its file system encodes none (a mount beneath the
     * root: procfs, FUSE...): then its node holds its descriptor. The first directory seen on a mount beneath the
     * root (the mount's own root, as lookups go) leaves a descriptor to open that mount's handles with (one per
     * mount, kept to the end); files of a mount not entered through a directory keep their descriptors too.
     */
    private HostHandle handleOf(int fd) {
        HostHandle handle;
        try {
            handle = Posix.nameToHandleAt(fd, "", AT_EMPTY_PATH);
        } catch (PosixException e) {
            return null;
        }
        Integer mountFd = mountFds.computeIfAbsent(handle.mountId(), id -> {
            try {
                return openMountFd(fd);
            } catch (PosixException e) {
                return null;
            }
        });
        return mountFd == null ? null : handle;
    }

    private void logNodeLimit() {
        long now = System.nanoTime();
        long last = limitLoggedAt.get();
        if (now - last >= LIMIT_LOG_INTERVAL_NANOS && limitLoggedAt.compareAndSet(last, now)) {
            LOG.warn("{}: {} nodes hold a descriptor each, the limit (node_descriptors){}; lookups and creates "
                    + "beyond it fail with ENFILE until the kernel forgets some (logged at most every {} s)", label,
                    heldDescriptors, handles ? "" : ", as there are no file handles: " + withoutHandles,
                    TimeUnit.NANOSECONDS.toSeconds(LIMIT_LOG_INTERVAL_NANOS));
        }
    }

    @Override
    public String toString() {
        return "HostNodes[" + label + ", " + size() + " nodes, " + descriptors() + " descriptors, " + reopened()
                + " reopened]";
    }
}
