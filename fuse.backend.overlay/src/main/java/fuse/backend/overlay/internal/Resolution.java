package fuse.backend.overlay.internal;

import java.util.List;

import fuse.api.FileType;

/**
 * What a name resolves to in the merged view: freshly opened layer files, owned by whoever holds this until the
 * node table takes them ({@link NodeTable#intern}) or {@link #close} releases them.
 *
 * @param upper the upper file, or {@code null}
 * @param lower non-directories without an upper file: the topmost lower file; else {@code null}
 * @param lowerDirs directories: the lower directories merged below, top first
 * @param linkCount the link count of the file found, to tell lower hard links apart
 * @param data a metadata-only copy ({@code overlay.metacopy}, kernel overlayfs's {@code metacopy=on}): the lower
 *        file that holds its content; else {@code null}
 * @param redirected a directory whose upper directory carries a redirect (it was renamed by kernel overlayfs with
 *        {@code redirect_dir=on}): it reports its upper directory's number, not that of the lower one it merges
 */
record Resolution(FileType type, RealFile upper, RealFile lower, List<RealFile> lowerDirs, long linkCount,
        RealFile data, boolean redirected) {
    Resolution {
        lowerDirs = List.copyOf(lowerDirs);
    }

    /** A plain object: no metacopy, no redirect. */
    Resolution(FileType type, RealFile upper, RealFile lower, List<RealFile> lowerDirs, long linkCount) {
        this(type, upper, lower, lowerDirs, linkCount, null, false);
    }

    boolean isDirectory() {
        return type == FileType.DIRECTORY;
    }

    /** The file that answers for the object: upper when there is one. */
    RealFile real() {
        if (upper != null) {
            return upper;
        }
        return lower != null ? lower : lowerDirs.get(0);
    }

    void close() {
        if (upper != null) {
            upper.close();
        }
        if (lower != null) {
            lower.close();
        }
        lowerDirs.forEach(RealFile::close);
        if (data != null) {
            data.close();
        }
    }
}
