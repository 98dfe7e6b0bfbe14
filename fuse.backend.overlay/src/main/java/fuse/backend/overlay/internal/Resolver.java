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
 * Name resolution in the merged view, as kernel overlayfs's {@code ovl_lookup} does it: the upper layer first,
 * then the parent's lower directories top to bottom.
 * <ul>
 * <li>A whiteout (a 0/0 character device) ends the search: the name does not exist.
 * <li>A non-directory ends the search: it hides everything below, and a non-directory below a directory is
 * ignored.
 * <li>A directory merges with the directories of the same name below it, until an opaque one
 * ({@code overlay.opaque = "y"}) or a whiteout.
 * <li>A directory's redirect ({@code overlay.redirect}, written by the kernel's {@code redirect_dir=on} when it
 * renames a merged directory) changes what the layers below are searched for: a name in the parent's lower
 * directories, or an absolute path from the lower roots. Not followed with {@code redirect_dir=nofollow} or
 * {@code userxattr} ({@code EPERM}, as the kernel).
 * <li>A metadata-only copy ({@code overlay.metacopy}, the kernel's {@code metacopy=on}) is the object, but its
 * content is that of the first regular file below it that is not one (found by its name, or its redirect) when
 * {@code metacopy=on}; otherwise it answers {@code EPERM}, as the kernel with {@code metacopy=off}.
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
    private final Settings.Reading reading;

    Resolver(Layers layers) {
        this.layers = layers;
        this.xattrs = layers.xattrs;
        this.reading = layers.settings.reading();
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
        Search search = new Search(name);
        try {
            if (parentUpper != null) {
                int fd = openIn(parentUpper.fd(), name);
                if (fd >= 0) {
                    FileStat stat = stat(fd);
                    if (isWhiteout(stat.attributes())) {
                        Posix.closeQuietly(fd);
                        return null;
                    }
                    search.found(new RealFile(RealFile.UPPER, fd, stat), stat.attributes());
                }
            }
            int layer = RealFile.UPPER;
            while (!search.stop) {
                // After an absolute redirect the path is looked up from the roots of the layers below.
                RealFile base = search.absolute() ? lowerRootBelow(layer) : parentLowerBelow(parentLowers, layer);
                if (base == null) {
                    break;
                }
                layer = base.layer;
                int fd = search.absolute() ? walk(base, search) : openIn(base.fd(), search.path);
                if (fd >= 0) {
                    FileStat stat = stat(fd);
                    search.found(new RealFile(layer, fd, stat), stat.attributes());
                }
            }
            return search.result(name);
        } catch (FuseException | RuntimeException e) {
            search.close();
            throw e;
        }
    }

    private RealFile lowerRootBelow(int layer) {
        return layer < layers.lowers.size() ? layers.lowers.get(layer) : null;
    }

    private static RealFile parentLowerBelow(List<RealFile> parentLowers, int layer) {
        for (RealFile dir : parentLowers) {
            if (dir.layer > layer) {
                return dir;
            }
        }
        return null;
    }

    /**
     * The lookup of one name across the layers, as the kernel's {@code ovl_lookup} keeps it in its
     * {@code ovl_lookup_data}: what was found so far, whether to stop, and the path to look up in the layers below
     * (changed by redirects).
     */
    private final class Search {
        /** A name in the parent's lower directories, or an absolute path ("/a/b") from the lower roots. */
        String path;
        boolean stop;
        FileType type;
        RealFile upper;
        RealFile lower;
        RealFile data;
        final List<RealFile> lowerDirs = new ArrayList<>();
        long links = 1;
        /** A metadata-only copy was found: the layers below are searched for its data. */
        boolean needsData;
        boolean redirected;

        Search(String name) {
            this.path = name;
        }

        boolean absolute() {
            return path.charAt(0) == '/';
        }

        /** Takes what one layer has at the path (the kernel's {@code ovl_lookup_single} for the last element). */
        void found(RealFile file, Attributes a) throws FuseException {
            if (isWhiteout(a)) {
                file.close();
                stop = true;
            } else if (a.isDirectory()) {
                if (type != null && type != FileType.DIRECTORY) {
                    file.close(); // a non-directory above hides a directory below, and ends the search
                    stop = true;
                    return;
                }
                if (file.isUpper()) {
                    upper = file;
                } else {
                    lowerDirs.add(file);
                }
                type = FileType.DIRECTORY;
                if (xattrs.opacity(file.proc()) == OverlayXattrs.Opacity.OPAQUE) {
                    stop = true;
                } else if (redirect(file.proc(), file) && file.isUpper()) {
                    redirected = true;
                }
            } else if (type == FileType.DIRECTORY) {
                file.close(); // a directory above hides a non-directory below, and ends the merge
                stop = true;
            } else if (type == null) {
                type = a.type();
                links = a.linkCount();
                if (file.isUpper()) {
                    upper = file;
                } else {
                    lower = file;
                }
                needsData = a.isRegularFile() && isMetacopy(file);
                stop = !needsData;
                if (needsData) {
                    redirect(file.proc(), file);
                }
            } else if (!a.isRegularFile()) {
                file.close(); // no data of the right type below a metadata-only copy: result() says so
                stop = true;
            } else if (isMetacopy(file)) {
                redirect(file.proc(), file); // a metadata-only copy of a metadata-only copy: its data is below
                file.close();
            } else {
                data = file;
                needsData = false;
                stop = true;
            }
        }

        /**
         * Follows the redirect of the directory (or metadata-only copy) at {@code proc} for the layers below, if
         * it has one (the kernel's {@code ovl_check_redirect}); whether it had a valid one.
         */
        boolean redirect(String proc, Object what) throws FuseException {
            byte[] value = XattrIo.get(proc, xattrs.redirect, true);
            if (value == null) {
                return false;
            }
            if (!reading.followRedirects()) {
                LOG.warn("refusing to follow the redirect of '{}' ({}): redirect_dir=nofollow or userxattr", path,
                        what);
                throw new FuseException(Errno.EPERM, "redirect of '" + path + "' not followed");
            }
            String target = OverlayXattrs.text(value);
            if (!validRedirect(target)) {
                LOG.warn("ignoring the invalid redirect '{}' of '{}' ({})", target, path, what);
                return false;
            }
            path = target.startsWith("/") ? target : replaceLast(path, target);
            // An absolute redirect continues the search below even where an ancestor on the path was opaque.
            stop &= !target.startsWith("/");
            return true;
        }

        /** The redirect of the intermediate directory {@code parts[k]} of an absolute path, for the layers below. */
        void redirectInside(String proc, String[] parts, int k) throws FuseException {
            String whole = path;
            path = prefix(parts, k) + "/" + parts[k];
            if (redirect(proc, whole)) {
                path = path + "/" + String.join("/", java.util.Arrays.copyOfRange(parts, k + 1, parts.length));
            } else {
                path = whole;
            }
        }

        boolean isMetacopy(RealFile file) throws FuseException {
            boolean marked = (reading.metacopy() || file.isUpper()) && xattrs.has(file.proc(), xattrs.metacopy);
            if (marked && !reading.metacopy()) {
                LOG.warn("refusing to follow the metacopy origin of '{}' ({}): metacopy is off", path, file);
                throw new FuseException(Errno.EPERM, "metacopy '" + path + "' not followed (metacopy=off)");
            }
            return marked;
        }

        Resolution result(String name) throws FuseException {
            if (type == null) {
                return null;
            }
            if (needsData) {
                LOG.warn("metadata-only copy '{}' ({}) has no data in the layers below", name, upper != null ? upper
                        : lower);
                throw new FuseException(Errno.EIO, "metacopy '" + name + "' without lower data");
            }
            if (layers.index != null && upper == null && lower != null && links > 1 && type == FileType.REGULAR) {
                // index=on: a lower hard link the kernel copied up through another name is that copy here too.
                upper = layers.index.find(lower);
            }
            return new Resolution(type, upper, lower, lowerDirs, links, data, redirected);
        }

        void close() {
            Resolver.close(upper, lower, lowerDirs);
            if (data != null) {
                data.close();
            }
        }
    }

    /** The kernel's checks of a redirect: absolute without empty elements, or one name; never "." or "..". */
    static boolean validRedirect(String target) {
        if (target.isEmpty() || target.equals("/") || target.indexOf('\0') >= 0) {
            return false;
        }
        String[] parts = (target.startsWith("/") ? target.substring(1) : target).split("/", -1);
        if (!target.startsWith("/") && parts.length > 1) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                return false;
            }
        }
        return true;
    }

    private static String replaceLast(String path, String name) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? name : path.substring(0, slash + 1) + name;
    }

    private static String prefix(String[] parts, int k) {
        return k == 0 ? "" : "/" + String.join("/", java.util.Arrays.copyOfRange(parts, 0, k));
    }

    /**
     * Walks the absolute path of {@code search} down from the layer root {@code root} (the kernel's
     * {@code ovl_lookup_layer}): an {@code O_PATH} descriptor of its last element, or -1 when this layer has
     * none. A whiteout or non-directory on the way ends the search below; an opaque directory on the way too,
     * after this layer; a redirect on the way changes the path for the layers below.
     */
    private int walk(RealFile root, Search search) throws FuseException {
        String[] parts = search.path.substring(1).split("/");
        int dirfd = root.fd();
        int owned = -1;
        try {
            for (int k = 0; k < parts.length; k++) {
                int fd = openIn(dirfd, parts[k]);
                Posix.closeQuietly(owned);
                owned = -1;
                if (fd < 0 || k == parts.length - 1) {
                    return fd;
                }
                owned = fd;
                dirfd = fd;
                Attributes a = Posix.fstat(fd).attributes();
                if (isWhiteout(a) || !a.isDirectory()) {
                    search.stop = true;
                    return -1;
                }
                String proc = Posix.procFdPath(fd);
                if (xattrs.opacity(proc) == OverlayXattrs.Opacity.OPAQUE) {
                    search.stop = true;
                } else {
                    search.redirectInside(proc, parts, k);
                }
            }
            return -1;
        } finally {
            Posix.closeQuietly(owned);
        }
    }

    /**
     * What {@link Namespace} just made at {@code name} in the upper directory {@code parentUpper} (create, mkdir,
     * mknod, symlink), without resolving it again: a new object is upper only (its name was free in the merged
     * view, so no lower layer shows through, and a directory made over a whiteout is opaque) and carries no
     * redirect or metacopy. With the attributes read when it was opened, which the entry of a create reports;
     * {@code null} when nothing is there.
     */
    Made made(RealFile parentUpper, String name) throws FuseException {
        int fd = openChild(parentUpper, name);
        if (fd < 0) {
            return null;
        }
        FileStat stat = stat(fd);
        Attributes a = stat.attributes();
        return new Made(new Resolution(a.type(), new RealFile(RealFile.UPPER, fd, stat), null, List.of(),
                a.linkCount()), a);
    }

    /** An object just made, resolved ({@link #made}), and its attributes as it was opened. */
    record Made(Resolution resolution, Attributes attributes) {
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
     * {@link #openChild} for the layers' lookups: a name too long for a layer is absent there too (a redirect may
     * name one), as in the kernel's lookup.
     */
    private static int openIn(int dirfd, String name) throws FuseException {
        try {
            return Posix.openat2(dirfd, name, NODE_FLAGS, 0, BENEATH);
        } catch (PosixException e) {
            if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENAMETOOLONG) {
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
