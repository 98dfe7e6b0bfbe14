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
 * <p>As the kernel does at mount time, {@link #prepare} empties {@code work} (leftovers of a crash), and probes
 * that the upper file system takes the overlay's xattrs and whiteouts. Temporary names are the kernel's style,
 * {@code #<hex>}, starting at a random value so that two instances sharing the directory do not collide.
 */
final class WorkDir implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkDir.class);
    static final String NAME = "work";

    private final RealFile workdir;
    private final int fd;
    private final AtomicLong counter = new AtomicLong(ThreadLocalRandom.current().nextLong(1L << 32));
    final boolean renameWhiteout;

    private WorkDir(RealFile workdir, int fd, boolean renameWhiteout) {
        this.workdir = workdir;
        this.fd = fd;
        this.renameWhiteout = renameWhiteout;
    }

    /** Takes ownership of {@code workdir}. */
    static WorkDir prepare(Settings settings, RealFile workdir, OverlayXattrs xattrs) throws FuseException {
        int fd = -1;
        try {
            int parent = workdir.fd();
            try {
                Dirs.removeTree(parent, NAME);
                // Mode 0 like the kernel's: only the (privileged) server works in here.
                Posix.mkdirat(parent, NAME, Posix.geteuid() == 0 ? 0 : 0700);
            } catch (PosixException e) {
                throw new FuseException(e.errno(), Settings.WORKDIR + ": cannot prepare " + settings.work() + "/"
                        + NAME + ": " + e.getMessage(), e);
            }
            fd = Posix.openat(parent, NAME, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
            probeXattrs(settings, fd, xattrs);
            probeWhiteout(settings, fd);
            boolean renameWhiteout = probeRenameWhiteout(fd);
            if (!renameWhiteout) {
                LOG.warn("upperdir {}: the file system has no RENAME_WHITEOUT; renames of lower files leave their "
                        + "whiteout in a second step", settings.upper());
            }
            return new WorkDir(workdir, fd, renameWhiteout);
        } catch (FuseException | RuntimeException e) {
            Posix.closeQuietly(fd);
            workdir.close();
            throw e;
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
            quietly(() -> Dirs.removeTree(fd, from));
            quietly(() -> Dirs.removeTree(fd, to));
        }
    }

    private interface Action {
        void run() throws PosixException;
    }

    private static void quietly(Action action) {
        try {
            action.run();
        } catch (PosixException e) {
            LOG.debug("cleanup in the work directory failed: {}", e.getMessage());
        }
    }

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
        quietly(() -> Dirs.removeTree(fd, name));
    }

    @Override
    public void close() {
        Posix.closeQuietly(fd);
        workdir.close();
    }
}
