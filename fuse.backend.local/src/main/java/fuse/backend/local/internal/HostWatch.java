package fuse.backend.local.internal;

import static fuse.posix.Linux.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.ValueLayout;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import fuse.api.FuseException;
import fuse.api.MountContext;
import fuse.posix.Fanotify;
import fuse.posix.FileNames;
import fuse.posix.FileStat;
import fuse.posix.HostHandle;
import fuse.posix.Posix;
import fuse.posix.PosixException;
import fuse.posix.nodes.HostNodes;

/**
 * Watches the host file system under a local mount's root and tells the kernel what changed behind the mount, so
 * that the mount can let the kernel cache names and attributes for long.
 *
 * <p><b>How.</b> One fanotify group with a mark on the whole file system of the root ({@code FAN_MARK_FILESYSTEM};
 * a mount mark would miss changes made through other mounts of it), reporting file handles and names
 * ({@code FAN_REPORT_DFID_NAME | FAN_REPORT_FID}) and the changing thread ({@code FAN_REPORT_TID}). Its own
 * platform thread reads the events; each handle is looked up among the handles of the nodes the mount holds, or by
 * the inode number it carries for a node that has taken none yet ({@link HostNodes#findByHandle}, no system
 * call: a file the mount just created and a client then wrote through a passthrough open, or one a host process
 * changes), else resolved to {@code (device, inode)} with
 * {@code open_by_handle_at} and {@code fstat} (remembered per handle: a handle names one file for good, since it
 * carries the inode's generation), and only files the mount holds lead to a notification: a name created,
 * removed or renamed in a known directory drops that name ({@code FUSE_NOTIFY_INVAL_ENTRY}) and the directory's
 * attributes and kept listing; changed attributes or data of a known file drop its attributes, and its cached data
 * for a write ({@code FUSE_NOTIFY_INVAL_INODE}; fanotify gives no range, so the whole file). When the event queue
 * overflows, everything is dropped ({@link MountContext#invalidateAll}: {@code FUSE_NOTIFY_INC_EPOCH} and every
 * known inode).
 *
 * <p><b>Not our own changes.</b> Changes made by this mount's request threads (which the kernel already knows
 * about) are skipped: each thread that enters the file system is remembered by its kernel thread id while it
 * lives ({@link ServerThreads}; the id of one that exited may be another's by now). Other threads of the same
 * process (another mount over the same files) count as outside changes. Writes through passthrough opens are
 * made by the client's thread: they are reported, and cost one attribute notification per batch of events. They
 * are not filtered: the watch cannot tell a client's write through the mount from the same process writing the
 * host file directly, and the kernel caches the attributes of a passthrough file as of any other (a host write
 * during a passthrough open must drop them). Instead events gather before each read, so that a busy writer costs
 * one event per pause.
 *
 * <p>Its thread, the gathering of events and what happens when it fails: {@link EventWatch}.
 *
 * <p><b>Limits.</b> fanotify with file handles needs Linux 5.9 and {@code CAP_SYS_ADMIN}, and a file system that
 * encodes file handles (ext4, xfs, btrfs, tmpfs…; not FUSE or NFS without export support). Where fanotify is not
 * available the fallback is {@link InotifyWatch}. Changes a host file system does not report (a network
 * file system changed from another machine) show when the long timeout runs out.
 */
final class HostWatch extends EventWatch {
    private static final long MASK = FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO | FAN_ATTRIB
            | FAN_MODIFY | FAN_ONDIR;
    private static final long NAME_CHANGES = FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO;
    private static final int REMEMBERED_HANDLES = 8192;
    /** fanotify_event_metadata: event_len u32, vers u8, reserved u8, metadata_len u16, mask u64, fd s32, pid s32. */
    private static final int METADATA_BYTES = 24;
    /** After an info record's header (4 bytes) and fsid (8 bytes): the struct file_handle. */
    private static final int HANDLE_AT = 12;
    private static final long[] UNRESOLVED = new long[0];
    // Records are aligned to 4 bytes only (FANOTIFY_EVENT_ALIGN).
    private static final ValueLayout.OfInt JAVA_INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong JAVA_LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfShort JAVA_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final int rootFd;
    private final HostNodes<LocalNode> nodes;
    /** Handles of files the mount holds that were resolved by system calls, not found by {@link #nodes}. */
    private volatile long resolvedKnown;
    private final ServerThreads serverThreads = new ServerThreads();
    /** Handle bytes → {@code (device, inode)}, or {@link #UNRESOLVED}; this thread's alone. */
    private final Map<HandleKey, long[]> handles = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<HandleKey, long[]> eldest) {
            return size() > REMEMBERED_HANDLES;
        }
    };

    private HostWatch(Path root, int rootFd, HostNodes<LocalNode> nodes, MountContext mount, int group)
            throws PosixException {
        super(root, mount, group, "fuse-watch");
        this.rootFd = rootFd;
        this.nodes = nodes;
    }

    /**
     * Starts watching {@code root} for {@code mount}.
     *
     * @return the running watch, or {@code null} when fanotify cannot start
     * @param why gets why it cannot
     */
    static HostWatch start(Path root, int rootFd, HostNodes<LocalNode> nodes, MountContext mount,
            StringBuilder why) {
        int group = -1;
        int handleRoot = -1;
        HostWatch watch;
        try {
            // open_by_handle_at wants a real descriptor of the file system, not an O_PATH one (EBADF).
            handleRoot = Posix.openat(rootFd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
            group = Fanotify.init(FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_DFID_NAME | FAN_REPORT_FID
                    | FAN_REPORT_TID, O_RDONLY | O_CLOEXEC);
            Fanotify.mark(group, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, MASK, root.toString());
            watch = new HostWatch(root, handleRoot, nodes, mount, group);
        } catch (PosixException e) {
            Posix.closeQuietly(group);
            Posix.closeQuietly(handleRoot);
            why.append("fanotify: ").append(e.getMessage()).append(switch (e.errno()) {
                case EPERM -> " (needs CAP_SYS_ADMIN)";
                case EINVAL, ENOSYS -> " (needs Linux 5.9)";
                case EOPNOTSUPP, EXDEV, ENODEV -> " (the file system does not report file handles)";
                default -> "";
            });
            return null;
        }
        watch.startThread();
        return watch;
    }

    @Override
    String watchingDescription() {
        return "fanotify on the file system of " + root;
    }

    @Override
    void closeResources() {
        Posix.closeQuietly(rootFd);
    }

    /**
     * Remembers the calling thread as one of the mount's own: changes it makes while it lives are not reported.
     * Called by every file system operation; a thread-local check after the first time.
     */
    @Override
    public void serverThread() {
        serverThreads.enter();
    }

    @Override
    void read(MemorySegment buffer, long n, WatchChanges changes) {
        long at = 0;
        while (at + METADATA_BYTES <= n) {
            int length = buffer.get(JAVA_INT, at);
            if (length < METADATA_BYTES || at + length > n) {
                break;
            }
            if (buffer.get(JAVA_BYTE, at + 4) != FANOTIFY_METADATA_VERSION) {
                throw new IllegalStateException("fanotify metadata version " + buffer.get(JAVA_BYTE, at + 4));
            }
            long mask = buffer.get(JAVA_LONG, at + 8);
            int tid = buffer.get(JAVA_INT, at + 20);
            if ((mask & FAN_Q_OVERFLOW) != 0) {
                changes.overflow = true;
            } else if (!serverThreads.madeBy(tid)) {
                event(buffer, at + (buffer.get(JAVA_SHORT, at + 6) & 0xffff), at + length, mask, changes);
            }
            at += length;
        }
    }

    private void event(MemorySegment buffer, long at, long end, long mask, WatchChanges changes) {
        LocalNode dir = null;
        String name = null;
        LocalNode self = null;
        while (at + HANDLE_AT + HostHandle.HEADER_BYTES <= end) {
            int type = buffer.get(JAVA_BYTE, at) & 0xff;
            int length = buffer.get(JAVA_SHORT, at + 2) & 0xffff;
            if (length == 0) {
                break;
            }
            long handle = at + HANDLE_AT;
            if (type == FAN_EVENT_INFO_TYPE_DFID_NAME || type == FAN_EVENT_INFO_TYPE_DFID) {
                dir = known(buffer, handle);
                if (type == FAN_EVENT_INFO_TYPE_DFID_NAME) {
                    name = FileNames.decodeNulTerminated(buffer,
                            handle + HostHandle.HEADER_BYTES + buffer.get(JAVA_INT, handle));
                }
            } else if (type == FAN_EVENT_INFO_TYPE_FID) {
                self = known(buffer, handle);
            }
            at += length;
        }
        if ((mask & NAME_CHANGES) != 0) {
            if (dir != null && name != null && !name.equals(".")) {
                changes.nameChanged(dir, name);
            }
            return;
        }
        LocalNode changed = self != null ? self : name == null || name.equals(".") ? dir : null;
        if (changed == null) {
            return;
        }
        if ((mask & FAN_MODIFY) != 0) {
            changes.data.add(changed);
        } else {
            changes.attributes.add(changed);
        }
    }

    /** The node the mount holds for the file {@code handle} names, or {@code null}. */
    private LocalNode known(MemorySegment buffer, long handle) {
        MemorySegment fileHandle = buffer.asSlice(handle, HostHandle.HEADER_BYTES + buffer.get(JAVA_INT, handle));
        byte[] raw = fileHandle.toArray(JAVA_BYTE);
        LocalNode held = nodes.findByHandle(raw);
        if (held != null) {
            return held;
        }
        HandleKey key = new HandleKey(raw);
        long[] id = handles.get(key);
        if (id == null) {
            id = resolve(fileHandle);
            handles.put(key, id);
        }
        LocalNode node = id == UNRESOLVED ? null : nodes.find(id[0], id[1]);
        if (node != null) {
            resolvedKnown++; // this thread's alone
        }
        return node;
    }

    /** Handles of files the mount holds that took system calls to resolve so far: for tests. */
    long resolvedKnown() {
        return resolvedKnown;
    }

    private long[] resolve(MemorySegment handle) {
        int fd;
        try {
            fd = Fanotify.openByHandleAt(rootFd, handle, O_PATH | O_CLOEXEC);
        } catch (PosixException e) {
            return UNRESOLVED; // gone already (ESTALE): nothing of it can be cached
        }
        try {
            FileStat stat = Posix.fstat(fd);
            return new long[] {stat.device(), stat.inode()};
        } catch (PosixException e) {
            return UNRESOLVED;
        } finally {
            Posix.closeQuietly(fd);
        }
    }

    /** A file handle's bytes ({@code handle_bytes}, {@code handle_type}, {@code f_handle}), as a map key. */
    private record HandleKey(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof HandleKey other && Arrays.equals(other.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }
}
