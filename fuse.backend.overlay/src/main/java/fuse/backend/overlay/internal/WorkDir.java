package fuse.backend.overlay.internal;

import static fuse.posix.Linux.*;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.posix.Posix;
import fuse.posix.PosixException;

/**
 * {@code workdir/work}, the kernel's scratch directory on the upper file system: copy-ups and new objects that
 * replace whiteouts are built here under a temporary name and then renamed into the upper directory in one step,
 * so that the upper directory never shows a half-made file; whiteouts are made here and renamed into place; what
 * a {@code RENAME_EXCHANGE} swaps out is removed from here.
 *
 * <p>Each open overlay works in its own subdirectory, {@code work/#inst-<random>}, locked with {@code flock} for as
 * long as it lives: during a swap the mount opens the next overlay over the same directories while the previous
 * one still finishes its requests, and neither may remove the other's files. {@link #prepare} removes what no
 * live overlay holds (leftovers of a crash, the kernel's own temporary files) and probes that the upper file
 * system takes the overlay's xattrs and whiteouts. The kernel's overlayfs empties {@code work} when it mounts.
 * Temporary names are the kernel's style, {@code #<hex>}.
 */
final class WorkDir implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkDir.class);
    static final String NAME = "work";
    static final String INSTANCE_PREFIX = "#inst-";
    /**
     * Kernel overlayfs's mark of a {@code volatile} mount, {@code work/incompat/volatile}: it refuses to mount
     * layers that carry it (a crash may have lost writes to the upper layer). The kernel never removes it; this
     * overlay makes it while a volatile mount lives and removes it after a clean close and a {@code syncfs}.
     */
    static final String INCOMPAT = "incompat";
    static final String VOLATILE_MARK = INCOMPAT + "/volatile";

    private final RealFile workdir;
    private final int work;
    private final String instance;
    /** The instance directory, opened for reading: it carries the lock and serves as the directory of every call. */
    private final int fd;
    private final AtomicLong counter = new AtomicLong();
    final boolean renameWhiteout;

    private WorkDir(RealFile workdir, int work, String instance, int fd, boolean renameWhiteout) {
        this.workdir = workdir;
        this.work = work;
        this.instance = instance;
        this.fd = fd;
        this.renameWhiteout = renameWhiteout;
    }

    /** Takes ownership of {@code workdir}. */
    static WorkDir prepare(Settings settings, RealFile workdir, OverlayXattrs xattrs) throws FuseException {
        int work = -1;
        int fd = -1;
        String instance = null;
        try {
            work = openWork(settings, workdir.fd());
            refuseVolatileLeftover(settings, work);
            removeUnheld(work);
            instance = INSTANCE_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
            Posix.mkdirat(work, instance, 0700);
            fd = Posix.openat(work, instance, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
            Posix.flock(fd, LOCK_EX | LOCK_NB);
            probeXattrs(settings, fd, xattrs);
            probeWhiteout(settings, fd);
            if (settings.rootless().volatileUpper()) {
                markVolatile(settings, work);
            }
            boolean renameWhiteout = probeRenameWhiteout(fd);
            if (!renameWhiteout) {
                LOG.warn("upperdir {}: the file system has no RENAME_WHITEOUT; renames of lower files leave their "
                        + "whiteout in a second step", settings.upper());
            }
            return new WorkDir(workdir, work, instance, fd, renameWhiteout);
        } catch (FuseException | RuntimeException e) {
            Posix.closeQuietly(fd);
            if (instance != null) {
                discard(work, instance);
            }
            Posix.closeQuietly(work);
            workdir.close();
            if (e instanceof PosixException p && !p.getMessage().startsWith(Settings.WORKDIR)) {
                throw new FuseException(p.errno(), Settings.WORKDIR + ": " + settings.work() + ": " + p.getMessage(),
                        p);
            }
            throw e;
        }
    }

    /** {@code workdir/work}, made (mode 0, like the kernel's, for a privileged server) when missing. */
    private static int openWork(Settings settings, int workdir) throws FuseException {
        try {
            try {
                Posix.mkdirat(workdir, NAME, Posix.geteuid() == 0 ? 0 : 0700);
            } catch (PosixException e) {
                if (e.errno() != Errno.EEXIST) {
                    throw e;
                }
            }
            return Posix.openat(workdir, NAME, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        } catch (PosixException e) {
            throw new FuseException(e.errno(), Settings.WORKDIR + ": cannot prepare " + settings.work() + "/" + NAME
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * A volatile mark that no live overlay holds: left by a volatile mount that did not end cleanly (or by the
     * kernel's, which always leaves it); the upper layer may have lost writes, so the layers are refused, as the
     * kernel refuses them.
     */
    private static void refuseVolatileLeftover(Settings settings, int work) throws FuseException {
        if (Resolver.statChild(work, INCOMPAT) == null || liveInstances(work, null)) {
            return;
        }
        throw new FuseException(Errno.EINVAL, Settings.WORKDIR + ": " + settings.work() + "/" + NAME + "/"
                + VOLATILE_MARK + " exists: these layers were mounted volatile and not unmounted cleanly (or by "
                + "kernel overlayfs, which always leaves it), so the upper layer may have lost writes; start from "
                + "an empty upperdir and workdir, or remove that directory to mount them anyway");
    }

    private static void markVolatile(Settings settings, int work) throws FuseException {
        try {
            for (String dir : new String[] {INCOMPAT, VOLATILE_MARK, VOLATILE_MARK + "/dirty"}) {
                try {
                    Posix.mkdirat(work, dir, 0700);
                } catch (PosixException e) {
                    if (e.errno() != Errno.EEXIST) {
                        throw e;
                    }
                }
            }
        } catch (PosixException e) {
            throw new FuseException(e.errno(), Settings.VOLATILE + ": cannot mark " + settings.work() + "/" + NAME
                    + "/" + VOLATILE_MARK + ": " + e.getMessage(), e);
        }
    }

    /** Whether an overlay other than the one working in {@code own} lives on this work directory. */
    private static boolean liveInstances(int work, String own) throws PosixException {
        for (Dirs.RawEntry entry : Dirs.list(work)) {
            String name = entry.name();
            if (name.startsWith(INSTANCE_PREFIX) && !name.equals(own) && entry.type() == DT_DIR && held(work, name)) {
                return true;
            }
        }
        return false;
    }

    /** Removes every entry of {@code work} but the instance directories of live overlays (their lock is held). */
    private static void removeUnheld(int work) throws PosixException {
        for (Dirs.RawEntry entry : Dirs.list(work)) {
            String name = entry.name();
            if (name.startsWith(INSTANCE_PREFIX) && entry.type() == DT_DIR && held(work, name)
                    || name.equals(INCOMPAT)) {
                continue;
            }
            discard(work, name);
        }
    }

    private static boolean held(int work, String name) {
        int probe;
        try {
            probe = Posix.openat(work, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        } catch (PosixException e) {
            return false;
        }
        try {
            Posix.flock(probe, LOCK_EX | LOCK_NB);
            return false;
        } catch (PosixException e) {
            return e.errno() == Errno.EWOULDBLOCK;
        } finally {
            Posix.closeQuietly(probe); // also drops the lock taken to test it
        }
    }

    private static void probeXattrs(Settings settings, int fd, OverlayXattrs xattrs) throws FuseException {
        String path = Posix.procFdPath(fd);
        try {
            XattrIo.set(path, xattrs.opaque, new byte[] {'0'}, 0, true);
            XattrIo.remove(path, xattrs.opaque, true);
        } catch (PosixException e) {
            throw new FuseException(e.errno(), Settings.UPPERDIR + ": " + settings.upper() + " does not take "
                    + xattrs.prefix + "* extended attributes (" + e.errno() + ")"
                    + (settings.userxattr() ? "" : "; trusted.* needs root (CAP_SYS_ADMIN), or set userxattr=true")
                    + "; opaque directories cannot be recorded without them", e);
        }
    }

    private static void probeWhiteout(Settings settings, int fd) throws FuseException {
        String name = "#whiteout-probe";
        try {
            Posix.mknodat(fd, name, S_IFCHR, 0);
            Posix.unlinkat(fd, name, 0);
        } catch (PosixException e) {
            throw new FuseException(e.errno(), Settings.UPPERDIR + ": " + settings.upper() + " cannot hold "
                    + "whiteouts (character device 0/0): " + e.getMessage(), e);
        }
    }

    private static boolean probeRenameWhiteout(int fd) {
        String from = "#rename-whiteout-probe";
        String to = from + "-moved";
        try {
            Posix.close(Posix.openat(fd, from, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600));
            Posix.renameat2(fd, from, fd, to, RENAME_WHITEOUT);
            return true;
        } catch (PosixException e) {
            return false;
        } finally {
            discard(fd, from);
            discard(fd, to);
        }
    }

    private static void discard(int dirfd, String name) {
        try {
            Dirs.removeTree(dirfd, name);
        } catch (PosixException e) {
            LOG.debug("cleanup in the work directory failed: {}", e.getMessage());
        }
    }

    /** The directory to build in (this overlay's own). */
    int fd() {
        return fd;
    }

    /** A fresh name for an entry in this directory. */
    String tempName() {
        return "#" + Long.toHexString(counter.incrementAndGet());
    }

    /** {@code /proc/self/fd/W/name}: an entry of this directory for the l* (no-follow) path calls. */
    String path(String name) {
        return Posix.procFdPath(fd) + "/" + name;
    }

    /** Makes a whiteout here and answers its name. */
    String whiteout() throws PosixException {
        while (true) {
            String name = tempName();
            try {
                Posix.mknodat(fd, name, S_IFCHR, 0);
                return name;
            } catch (PosixException e) {
                if (e.errno() != Errno.EEXIST) {
                    throw e;
                }
            }
        }
    }

    /** Removes {@code name} here with everything below it; failures are logged, never thrown (cleanup). */
    void discard(String name) {
        discard(fd, name);
    }

    /**
     * Removes this overlay's directory and lets go of its lock. The last overlay of a volatile mount to close
     * syncs the upper file system and then removes the volatile mark: the layers are whole again.
     */
    @Override
    public void close() {
        try {
            if (Resolver.statChild(work, INCOMPAT) != null && !liveInstances(work, instance)) {
                Posix.syncfs(fd);
                discard(work, INCOMPAT);
            }
        } catch (PosixException e) {
            LOG.warn("volatile overlay on {}: the upper file system could not be synced ({}); its mark {} stays, "
                    + "and these layers will not mount again until it is removed", workdir, e.getMessage(),
                    VOLATILE_MARK);
        }
        discard(work, instance);
        Posix.closeQuietly(fd);
        Posix.closeQuietly(work);
        workdir.close();
    }
}
