package fuse.backend.local.internal;

import static fuse.posix.Linux.*;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import fuse.api.Errno;
import fuse.api.MountContext;
import fuse.posix.FileNames;
import fuse.posix.FileStat;
import fuse.posix.Inotify;
import fuse.posix.Posix;
import fuse.posix.PosixException;
import fuse.posix.nodes.NodeDescriptor;

/**
 * The watch where fanotify is not available ({@link HostWatch} could not start: no {@code CAP_SYS_ADMIN}, a file
 * system without file handles), by inotify: one watch per directory the kernel knows names or a listing of, added
 * when the mount first looks a name up in it or lists it ({@link #directoryUsed}), dropped when the kernel forgets
 * it. A directory's watch reports its own changes and those of its entries by name: a name created, removed or
 * renamed drops that name and the directory's listing; changed attributes or data of an entry drop the entry's
 * node's (found by {@code fstatat} of the name, if the mount holds it).
 *
 * <p><b>Limits.</b> Each watched directory takes one of the user's {@code /proc/sys/fs/inotify/max_user_watches}
 * (shared by every program of the user). When one cannot be added (ENOSPC), the mount can no longer learn of every
 * change: the watch gives up, says so once in the log, and from then on answers that it does not watch
 * ({@link #watching}), so the mount goes back to short timeouts ({@link EventWatch#stop}). inotify does not
 * say who made a change: the mount's own changes come back as events too,
 * and cost a notification each (batched, as fanotify's, by letting events gather before each read). Changes made
 * through another mount of the same files (a bind mount) are reported, as with fanotify.
 */
final class InotifyWatch extends EventWatch {
    private static final int MASK = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | IN_MODIFY
            | IN_CLOSE_WRITE | IN_ONLYDIR | IN_EXCL_UNLINK;
    private static final int NAME_CHANGES = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO;
    private static final Path MAX_USER_WATCHES = Path.of("/proc/sys/fs/inotify/max_user_watches");
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    private final KnownNodes nodes;
    private final int fd;
    /** Watch descriptor → directory, and back; guarded by this. */
    private final Map<Integer, LocalNode> directories = new HashMap<>();
    private final Map<LocalNode, Integer> watches = new HashMap<>();

    private InotifyWatch(Path root, KnownNodes nodes, MountContext mount, int fd) throws PosixException {
        super(root, mount, fd, "fuse-inotify");
        this.nodes = nodes;
        this.fd = fd;
    }

    /**
     * Starts watching with inotify; the root is watched at once.
     *
     * @throws PosixException when inotify cannot start
     */
    static InotifyWatch start(Path root, LocalNode rootNode, KnownNodes nodes, MountContext mount)
            throws PosixException {
        int fd = Inotify.init(IN_CLOEXEC | IN_NONBLOCK);
        InotifyWatch watch;
        try {
            watch = new InotifyWatch(root, nodes, mount, fd);
        } catch (PosixException e) {
            Posix.closeQuietly(fd);
            throw e;
        }
        watch.directoryUsed(rootNode);
        watch.startThread();
        return watch;
    }

    @Override
    String watchingDescription() {
        return "inotify on the directories the kernel knows under " + root + " (one of max_user_watches "
                + maxUserWatches() + " each)";
    }

    /** inotify cannot tell who made a change: nothing to remember. */
    @Override
    public void serverThread() {
    }

    @Override
    public void directoryUsed(LocalNode dir) {
        if (!dir.isDirectory() || !watching()) {
            return;
        }
        synchronized (this) {
            if (watches.containsKey(dir)) {
                return;
            }
        }
        int wd;
        try (NodeDescriptor d = dir.descriptor()) {
            wd = Inotify.addWatch(fd, Posix.procFdPath(d.fd()), MASK);
        } catch (PosixException e) {
            if (e.errno() == Errno.ENOSPC) {
                stop("inotify: max_user_watches (" + maxUserWatches() + ") reached, watching " + size()
                        + " directories of " + root);
            }
            return; // gone meanwhile (ENOENT): nothing of it to cache
        } catch (fuse.api.FuseException e) {
            return;
        }
        synchronized (this) {
            directories.put(wd, dir);
            watches.put(dir, wd);
        }
    }

    @Override
    public void forgotten(LocalNode node) {
        Integer wd;
        synchronized (this) {
            wd = watches.remove(node);
            if (wd != null) {
                directories.remove(wd);
            }
        }
        if (wd != null) {
            Inotify.rmWatch(fd, wd);
        }
    }

    /** Watched directories now: for tests and statistics. */
    synchronized int size() {
        return watches.size();
    }

    /**
     * The limit as the kernel says it. One read from the start: a sysctl file answers a read at a later offset
     * with end of file, so {@code Files.readString} (which reads the first byte alone here) would get "1".
     */
    private static String maxUserWatches() {
        try (InputStream in = Files.newInputStream(MAX_USER_WATCHES)) {
            return new String(in.readNBytes(32), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    /** Turns the events of one read ({@code struct inotify_event}s) into the notifications they need. */
    @Override
    void read(MemorySegment buffer, long n, WatchChanges changes) {
        long at = 0;
        while (at + Inotify.EVENT_BYTES <= n) {
            int wd = buffer.get(INT, at);
            int mask = buffer.get(INT, at + 4);
            int nameBytes = buffer.get(INT, at + 12);
            String name = nameBytes == 0 ? null : FileNames.decodeNulTerminated(
                    buffer.asSlice(at + Inotify.EVENT_BYTES, nameBytes), 0);
            at += Inotify.EVENT_BYTES + nameBytes;
            if ((mask & IN_Q_OVERFLOW) != 0) {
                changes.overflow = true;
                continue;
            }
            LocalNode dir;
            synchronized (this) {
                dir = (mask & IN_IGNORED) != 0 ? forget(wd) : directories.get(wd);
            }
            if (dir == null) {
                continue;
            }
            if (name == null) {
                changes.attributes.add(dir); // the directory itself
            } else if ((mask & NAME_CHANGES) != 0) {
                changes.nameChanged(dir, name);
            } else {
                LocalNode entry = entry(dir, name);
                if (entry != null) {
                    ((mask & (IN_MODIFY | IN_CLOSE_WRITE)) != 0 ? changes.data : changes.attributes).add(entry);
                }
            }
        }
    }

    /** The watch is gone (its directory was deleted, or rmWatch): under the lock. */
    private LocalNode forget(int wd) {
        LocalNode dir = directories.remove(wd);
        if (dir != null) {
            watches.remove(dir);
        }
        return null;
    }

    /** The node the mount holds for {@code name} in {@code dir}, or {@code null}. */
    private LocalNode entry(LocalNode dir, String name) {
        try (NodeDescriptor d = dir.descriptor()) {
            FileStat stat = Posix.fstatat(d.fd(), name, AT_SYMLINK_NOFOLLOW);
            return nodes.find(stat.device(), stat.inode());
        } catch (fuse.api.FuseException e) {
            return null; // gone again
        }
    }
}
