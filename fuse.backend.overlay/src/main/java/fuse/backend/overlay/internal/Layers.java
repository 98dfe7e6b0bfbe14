package fuse.backend.overlay.internal;

import static fuse.posix.Linux.*;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.posix.Posix;
import fuse.posix.nodes.ConfiguredDirectory;

/**
 * The opened layer directories of one overlay, checked as the kernel checks them at mount time: every directory
 * exists and is searchable, no layer is inside another (or the same directory twice), the work directory is on the
 * upper directory's file system and outside it, and the upper file system takes overlay xattrs and whiteouts.
 * Every failure is a {@link FuseException} whose message starts with the setting at fault.
 */
final class Layers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Layers.class);

    final Settings settings;
    final OverlayXattrs xattrs;
    /** The lower layers' root directories, top first; {@code lowers.get(i).layer == i + 1}. */
    final List<RealFile> lowers;
    /** The upper layer's root, or {@code null} for a read-only overlay. */
    final RealFile upper;
    /** {@code workdir/work}, where copy-ups and whiteouts are prepared; {@code null} when read-only. */
    final WorkDir work;
    /** The kernel's index of copied-up lower hard links, read with {@code index=on}; else {@code null}. */
    final IndexDir index;
    final InodeNumbers inodes;

    private Layers(Settings settings, List<RealFile> lowers, RealFile upper, WorkDir work, IndexDir index) {
        this.settings = settings;
        this.xattrs = new OverlayXattrs(settings.userxattr());
        this.lowers = Collections.unmodifiableList(lowers);
        this.upper = upper;
        this.work = work;
        this.index = index;
        List<Long> devices = new ArrayList<>();
        if (upper != null) {
            devices.add(upper.device);
        }
        for (RealFile lower : lowers) {
            devices.add(lower.device);
        }
        this.inodes = new InodeNumbers(devices);
    }

    boolean readOnly() {
        return upper == null;
    }

    /** Every change of a read-only overlay fails with {@code EROFS}, as on the kernel's read-only mount. */
    void checkWritable() throws FuseException {
        if (upper == null) {
            throw new FuseException(Errno.EROFS, "read-only overlay (no upperdir)");
        }
    }

    /** The number of lower layers. */
    int lowerCount() {
        return lowers.size();
    }

    /**
     * @param mountpoint where the overlay is mounted, or {@code null} (tests): no layer may be there or below it,
     *        or the overlay would read itself
     */
    static Layers open(Settings settings, Path mountpoint) throws FuseException {
        List<RealFile> lowers = new ArrayList<>();
        RealFile upper = null;
        RealFile workdir = null;
        IndexDir index = null;
        try {
            for (int i = 0; i < settings.lowers().size(); i++) {
                Path lower = settings.lowers().get(i);
                lowers.add(openDirectory(Settings.LOWERDIR, lower, i + 1, false));
            }
            if (!settings.readOnly()) {
                upper = openDirectory(Settings.UPPERDIR, settings.upper(), RealFile.UPPER, true);
                workdir = openDirectory(Settings.WORKDIR, settings.work(), -1, true);
                if (workdir.device != upper.device) {
                    throw new FuseException(Errno.EXDEV, Settings.WORKDIR + ": " + settings.work()
                            + " is on another file system than upperdir " + settings.upper() + " (device "
                            + device(workdir.device) + " vs " + device(upper.device)
                            + "); they must be on the same one");
                }
            }
            checkOverlaps(settings, lowers, upper, workdir);
            if (mountpoint != null) {
                checkOutside(settings, mountpoint);
            }
            WorkDir work = null;
            if (upper != null) {
                index = settings.reading().index() ? IndexDir.open(workdir.fd()) : null;
                work = WorkDir.prepare(settings, workdir, new OverlayXattrs(settings.userxattr()));
                workdir = null;
            }
            Layers layers = new Layers(settings, lowers, upper, work, index);
            LOG.info("overlay layers: lowerdir={} upperdir={} workdir={} xattrs={} samefs={}", settings.lowers(),
                    settings.upper(), settings.work(), layers.xattrs.prefix + "*", layers.inodes.sameFileSystem());
            return layers;
        } catch (FuseException | RuntimeException e) {
            lowers.forEach(RealFile::close);
            if (upper != null) {
                upper.close();
            }
            if (workdir != null) {
                workdir.close();
            }
            if (index != null) {
                index.close();
            }
            throw e;
        }
    }

    private static RealFile openDirectory(String setting, Path path, int layer, boolean writable)
            throws FuseException {
        int fd = ConfiguredDirectory.open(setting, path, writable);
        try {
            return new RealFile(layer, fd, Posix.fstat(fd));
        } catch (FuseException | RuntimeException e) {
            Posix.closeQuietly(fd);
            throw e;
        }
    }

    private record Named(String setting, Path path, long device, long inode) {
        @Override
        public String toString() {
            return setting + " " + path;
        }
    }

    /**
     * No layer directory may be another one or lie inside another (the kernel's "overlapping ... path" and
     * "conflicting ... path" checks), compared by real path and by identity.
     */
    private static void checkOverlaps(Settings settings, List<RealFile> lowers, RealFile upper, RealFile workdir)
            throws FuseException {
        List<Named> named = new ArrayList<>();
        if (upper != null) {
            named.add(named(Settings.UPPERDIR, settings.upper(), upper));
            named.add(named(Settings.WORKDIR, settings.work(), workdir));
        }
        for (int i = 0; i < lowers.size(); i++) {
            named.add(named(Settings.LOWERDIR, settings.lowers().get(i), lowers.get(i)));
        }
        for (int i = 0; i < named.size(); i++) {
            for (int j = 0; j < named.size(); j++) {
                if (i == j) {
                    continue;
                }
                Named a = named.get(i);
                Named b = named.get(j);
                boolean same = a.path.equals(b.path) || a.device == b.device && a.inode == b.inode;
                if (same && i < j) {
                    throw new FuseException(Errno.ELOOP, a.setting + ": " + a.path + " is also "
                            + (a.setting.equals(b.setting) ? "given again" : "the " + b.setting)
                            + "; every layer needs its own directory");
                }
                if (!same && a.path.startsWith(b.path)) {
                    throw new FuseException(Errno.ELOOP, a.setting + ": " + a.path + " is inside " + b
                            + "; layers must not overlap");
                }
            }
        }
    }

    /**
     * A layer at or below the mountpoint would be reached through the overlay itself once it is mounted (a
     * backend opened again after a swap or a late start): refused, although the kernel's overlayfs, which
     * resolves its layers once before mounting, allows mounting over a lower directory.
     */
    private static void checkOutside(Settings settings, Path mountpoint) throws FuseException {
        Path target = mountpoint.toAbsolutePath().normalize();
        try {
            target = target.toRealPath();
        } catch (IOException e) {
            // The mount checks the mountpoint itself; compare the path as given.
        }
        List<Path> lowers = settings.lowers();
        for (Path lower : lowers) {
            refuseBelow(Settings.LOWERDIR, lower, target);
        }
        if (!settings.readOnly()) {
            refuseBelow(Settings.UPPERDIR, settings.upper(), target);
            refuseBelow(Settings.WORKDIR, settings.work(), target);
        }
    }

    private static void refuseBelow(String setting, Path layer, Path mountpoint) throws FuseException {
        Path real = real(setting, layer);
        if (real.startsWith(mountpoint)) {
            throw new FuseException(Errno.ELOOP, setting + ": " + layer + " is " + (real.equals(mountpoint) ? "the"
                    : "inside the") + " mountpoint " + mountpoint + "; the overlay would read itself (mount it "
                    + "elsewhere, or bind-mount the layer to another place)");
        }
    }

    private static Named named(String setting, Path path, RealFile file) throws FuseException {
        return new Named(setting, real(setting, path), file.device, file.inode);
    }

    private static Path real(String setting, Path path) throws FuseException {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            throw new FuseException(Errno.ENOENT, setting + ": " + path + " cannot be resolved: " + e.getMessage());
        }
    }

    private static String device(long device) {
        return major(device) + ":" + minor(device);
    }

    /** The root of layer {@code layer} (0 = upper). */
    RealFile root(int layer) {
        return layer == RealFile.UPPER ? upper : lowers.get(layer - 1);
    }

    @Override
    public void close() {
        lowers.forEach(RealFile::close);
        if (upper != null) {
            upper.close();
        }
        if (work != null) {
            work.close();
        }
        if (index != null) {
            index.close();
        }
    }
}
