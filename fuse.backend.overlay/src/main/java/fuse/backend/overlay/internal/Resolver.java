package fuse.backend.overlay.internal;

import static fuse.posix.Linux.*;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.Attributes;
import fuse.api.Errno;
import fuse.api.FileType;
import fuse.api.FuseException;
import fuse.posix.FileStat;
import fuse.posix.Posix;
import fuse.posix.PosixException;

/**
 * Name resolution in the merged view, as kernel overlayfs's {@code ovl_lookup} does it without redirects and
 * metacopy: the upper layer first, then the parent's lower directories top to bottom.
 * <ul>
 * <li>A whiteout (a 0/0 character device) ends the search: the name does not exist.
 * <li>A non-directory ends the search: it hides everything below, and a non-directory below a directory is
 * ignored.
 * <li>A directory merges with the directories of the same name below it, until an opaque one
 * ({@code overlay.opaque = "y"}) or a whiteout.
 * <li>A redirect or metacopy attribute is refused with {@code EPERM}, as the kernel does with
 * {@code redirect_dir=nofollow} and {@code metacopy=off}: such trees need features this backend does not have.
 * </ul>
 */
final class Resolver {
    private static final Logger LOG = LoggerFactory.getLogger(Resolver.class);
    /**
     * One component, never followed, never leaving the layer's mount: a file system mounted inside a layer is not
     * entered (kernel overlayfs sees the directory underneath; that one is out of reach here, so such a name
     * answers {@code EXDEV}), and so the overlay can never reach into its own mount and wait for itself.
     */
    private static final long BENEATH = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV;
    private static final int NODE_FLAGS = O_PATH | O_NOFOLLOW | O_CLOEXEC;

    /** What the upper directory holds at a name. */
    enum Slot {
        EMPTY,
        WHITEOUT,
        OCCUPIED
    }

    private final Layers layers;
    private final OverlayXattrs xattrs;

    Resolver(Layers layers) {
        this.layers = layers;
        this.xattrs = layers.xattrs;
    }

    /** The root: the upper root over every lower root. */
    Resolution root() throws FuseException {
        List<RealFile> opened = new ArrayList<>();
        try {
            RealFile upper = layers.upper == null ? null : reopen(layers.upper);
            if (upper != null) {
                opened.add(upper);
            }
            List<RealFile> lowers = new ArrayList<>();
            for (RealFile lower : layers.lowers) {
                RealFile copy = reopen(lower);
                opened.add(copy);
                lowers.add(copy);
            }
            return new Resolution(FileType.DIRECTORY, upper, null, lowers, 1);
        } catch (FuseException | RuntimeException e) {
            opened.forEach(RealFile::close);
            throw e;
        }
    }

    private static RealFile reopen(RealFile root) throws FuseException {
        int fd = Posix.openat(root.fd(), ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        return new RealFile(root.layer, fd, Posix.fstat(fd));
    }

    /** What {@code name} in {@code parent} is in the merged view, or {@code null} if it does not exist there. */
    Resolution resolve(OverlayNode parent, String name) throws FuseException {
        return resolve(parent.upper, parent.lowerDirs, name);
    }

    Resolution resolve(RealFile parentUpper, List<RealFile> parentLowers, String name) throws FuseException {
        RealFile upper = null;
        RealFile lower = null;
        List<RealFile> lowerDirs = new ArrayList<>();
        FileType type = null;
        long links = 1;
        boolean stop = false;
        try {
            if (parentUpper != null) {
                int fd = openChild(parentUpper, name);
                if (fd >= 0) {
                    FileStat stat = stat(fd);
                    if (isWhiteout(stat.attributes())) {
                        Posix.closeQuietly(fd);
                        return null;
                    }
                    upper = new RealFile(RealFile.UPPER, fd, stat);
                    type = stat.attributes().type();
                    links = stat.attributes().linkCount();
                    if (type == FileType.DIRECTORY) {
                        refuseRedirect(upper, name);
                        stop = xattrs.opacity(upper.proc()) == OverlayXattrs.Opacity.OPAQUE;
                    } else {
                        refuseMetacopy(upper, name);
                        stop = true;
                    }
                }
            }
            for (int i = 0; !stop && i < parentLowers.size(); i++) {
                RealFile parentLower = parentLowers.get(i);
                int fd = openChild(parentLower, name);
                if (fd < 0) {
                    continue;
                }
                FileStat stat = stat(fd);
                Attributes a = stat.attributes();
                if (isWhiteout(a)) {
                    Posix.closeQuietly(fd);
                    break;
                }
                if (a.isDirectory()) {
                    if (type != null && type != FileType.DIRECTORY) {
                        Posix.closeQuietly(fd);
                        break;
                    }
                    RealFile dir = new RealFile(parentLower.layer, fd, stat);
                    lowerDirs.add(dir);
                    type = FileType.DIRECTORY;
                    refuseRedirect(dir, name);
                    stop = xattrs.opacity(dir.proc()) == OverlayXattrs.Opacity.OPAQUE;
                } else {
                    if (type != null) {
                        // A directory above hides a non-directory below, and ends the merge.
                        Posix.closeQuietly(fd);
                        break;
                    }
                    lower = new RealFile(parentLower.layer, fd, stat);
                    type = a.type();
                    links = a.linkCount();
                    refuseMetacopy(lower, name);
                    stop = true;
                }
            }
        } catch (FuseException | RuntimeException e) {
            close(upper, lower, lowerDirs);
            throw e;
        }
        if (type == null) {
            return null;
        }
        return new Resolution(type, upper, lower, lowerDirs, links);
    }

    /**
     * What {@link Namespace} just made at {@code name} in the upper directory {@code parentUpper} (create, mkdir,
     * mknod, symlink), without resolving it again: a new object is upper only (its name was free in the merged
     * view, so no lower layer shows through, and a directory made over a whiteout is opaque) and carries no
     * redirect or metacopy.
     */
    Resolution made(RealFile parentUpper, String name) throws FuseException {
        int fd = openChild(parentUpper, name);
        if (fd < 0) {
            return null;
        }
        FileStat stat = stat(fd);
        Attributes a = stat.attributes();
        return new Resolution(a.type(), new RealFile(RealFile.UPPER, fd, stat), null, List.of(), a.linkCount());
    }

    private static void close(RealFile upper, RealFile lower, List<RealFile> lowerDirs) {
        if (upper != null) {
            upper.close();
        }
        if (lower != null) {
            lower.close();
        }
        lowerDirs.forEach(RealFile::close);
    }

    private static FileStat stat(int fd) throws PosixException {
        try {
            return Posix.fstat(fd);
        } catch (PosixException e) {
            Posix.closeQuietly(fd);
            throw e;
        }
    }

    private void refuseRedirect(RealFile dir, String name) throws FuseException {
        if (xattrs.has(dir.proc(), xattrs.redirect)) {
            LOG.warn("refusing to follow the redirect of directory '{}' ({}): redirect_dir is not supported", name,
                    dir);
            throw new FuseException(Errno.EPERM, "redirect of '" + name + "' not followed");
        }
    }

    private void refuseMetacopy(RealFile file, String name) throws FuseException {
        if (file.isUpper() && xattrs.has(file.proc(), xattrs.metacopy)) {
            LOG.warn("refusing to follow the metacopy origin of '{}' ({}): metacopy is not supported", name, file);
            throw new FuseException(Errno.EPERM, "metacopy '" + name + "' not followed");
        }
    }

    /** An {@code O_PATH} descriptor of {@code name} in {@code dir}, never following it; -1 when absent. */
    static int openChild(RealFile dir, String name) throws FuseException {
        try {
            return Posix.openat2(dir.fd(), name, NODE_FLAGS, 0, BENEATH);
        } catch (PosixException e) {
            if (e.errno() == Errno.ENOENT) {
                return -1;
            }
            throw e;
        }
    }

    /**
     * Whether a lower layer has {@code name} under {@code parent}: the first lower directory of the parent that
     * has the name decides (a whiteout there means no). Removing or renaming away such a name must leave a
     * whiteout. The kernel's {@code ovl_lower_positive}, which also assumes something is there when a lookup
     * fails for another reason than absence.
     */
    boolean lowerPositive(OverlayNode parent, String name) throws FuseException {
        for (RealFile dir : parent.lowerDirs) {
            try {
                Attributes a = statChild(dir.fd(), name);
                if (a != null) {
                    return !isWhiteout(a);
                }
            } catch (PosixException e) {
                if (e.errno() != Errno.ENAMETOOLONG) {
                    return true;
                }
            }
        }
        return false;
    }

    /** What the upper directory {@code dirfd} holds at {@code name}. */
    static Slot upperSlot(int dirfd, String name) throws PosixException {
        Attributes a;
        try {
            a = statChild(dirfd, name);
        } catch (PosixException e) {
            if (e.errno() != Errno.EXDEV) {
                throw e;
            }
            return Slot.OCCUPIED; // a mount point
        }
        return a == null ? Slot.EMPTY : isWhiteout(a) ? Slot.WHITEOUT : Slot.OCCUPIED;
    }

    /**
     * {@code lstat} of one entry of a layer directory, without entering a mount point ({@code EXDEV}); {@code null}
     * when there is no such entry.
     */
    static Attributes statChild(int dirfd, String name) throws PosixException {
        int fd;
        try {
            fd = Posix.openat2(dirfd, name, NODE_FLAGS, 0, BENEATH);
        } catch (PosixException e) {
            if (e.errno() == Errno.ENOENT) {
                return null;
            }
            throw e;
        }
        try {
            return Posix.fstat(fd).attributes();
        } finally {
            Posix.closeQuietly(fd);
        }
    }

    /** The kernel's {@code ovl_is_whiteout}: a character device with device number 0/0. */
    static boolean isWhiteout(Attributes a) {
        return a.type() == FileType.CHARACTER_DEVICE && a.rdev() == 0;
    }
}
