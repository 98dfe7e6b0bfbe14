package fuse.backend.overlay.internal;

import static fuse.posix.Linux.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import fuse.api.Attributes;
import fuse.api.FileType;
import fuse.api.FuseException;
import fuse.posix.PosixException;

/**
 * The entries of a directory in the merged view, as the kernel's {@code ovl_dir_read_merged} builds them: the
 * upper directory first, then the lower ones top to bottom; the first layer that has a name decides, a whiteout
 * hides the name in every layer below it. Order: first appearance.
 *
 * @param entries the visible entries, without "." and ".."
 * @param upperWhiteouts the whiteouts the upper directory holds (removed with the directory)
 */
record MergedListing(List<Item> entries, List<String> upperWhiteouts) {

    /** One visible entry: {@code inode} is the number the node would report (see {@link NodeTable}). */
    record Item(String name, long inode, FileType type) {
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    static MergedListing read(RealFile upper, List<RealFile> lowerDirs, NodeTable table, OverlayXattrs xattrs)
            throws FuseException {
        Map<String, Item> visible = new LinkedHashMap<>();
        Map<String, Boolean> hidden = new LinkedHashMap<>();
        /** Upper subdirectories whose number is still their own: a lower directory of that name may be origin. */
        Map<String, Boolean> upperDirs = new LinkedHashMap<>();
        List<String> upperWhiteouts = new ArrayList<>();
        List<RealFile> layers = new ArrayList<>();
        if (upper != null) {
            layers.add(upper);
        }
        layers.addAll(lowerDirs);
        for (RealFile dir : layers) {
            int fd = dir.fd();
            for (Dirs.RawEntry raw : Dirs.list(fd)) {
                String name = raw.name();
                if (hidden.containsKey(name)) {
                    continue;
                }
                Item seen = visible.get(name);
                if (seen != null) {
                    // The first lower entry of an upper directory's name decides whether it merges (and so
                    // whether the lower directory is its origin, whose number it reports). A redirected one
                    // merges with another name, and reports its own number (see NodeTable).
                    if (!dir.isUpper() && upperDirs.remove(name) != null && raw.type() == DT_DIR
                            && mergesByName(upper, name, xattrs)) {
                        visible.put(name, new Item(name, table.inodeOfReal(false, dir.device, raw.inode()),
                                seen.type()));
                    }
                    continue;
                }
                int type = raw.type();
                Attributes attributes = null;
                if (type == DT_UNKNOWN || type == DT_CHR) {
                    attributes = stat(fd, name);
                    if (attributes == null) {
                        continue;
                    }
                    if (Resolver.isWhiteout(attributes)) {
                        hidden.put(name, Boolean.TRUE);
                        if (dir.isUpper()) {
                            upperWhiteouts.add(name);
                        }
                        continue;
                    }
                }
                FileType fileType = attributes != null ? attributes.type() : FileType.ofDirentType(type);
                if (dir.isUpper() && fileType == FileType.DIRECTORY) {
                    upperDirs.put(name, Boolean.TRUE);
                }
                visible.put(name, new Item(name, table.inodeOfReal(dir.isUpper(), dir.device, raw.inode()),
                        fileType));
            }
        }
        return new MergedListing(List.copyOf(visible.values()), List.copyOf(upperWhiteouts));
    }

    private static boolean mergesByName(RealFile upper, String name, OverlayXattrs xattrs) throws FuseException {
        String path = upper.proc() + "/" + name;
        return xattrs.opacity(path) != OverlayXattrs.Opacity.OPAQUE && !xattrs.has(path, xattrs.redirect);
    }

    /** The entry's attributes, {@code null} when it was removed since the listing was read. */
    private static Attributes stat(int dirfd, String name) throws PosixException {
        try {
            return Resolver.statChild(dirfd, name);
        } catch (PosixException e) {
            if (e.errno() == fuse.api.Errno.EXDEV) {
                return null; // a mount point inside a layer: not entered, not listed
            }
            throw e;
        }
    }
}
