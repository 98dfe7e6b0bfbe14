package fuse.backend.overlay.internal;

import java.util.List;

/**
 * How the owners of the layers' files are shown through the overlay, and how the owners callers give are stored:
 * fuse-overlayfs's {@code squash_to_root}/{@code squash_to_uid}/{@code squash_to_gid} (every file shown with one
 * owner; nothing stored differently) and {@code uidmapping}/{@code gidmapping} (ids shifted by ranges, both ways).
 * Squashing comes first, as in fuse-overlayfs. Access ACL entries are not mapped.
 *
 * @param squashUid the owner every file is shown with, or -1 (ids are unsigned 32-bit: -1 is no id)
 * @param squashGid the group every file is shown with, or -1
 */
record Owners(int squashUid, int squashGid, IdMap uids, IdMap gids) {
    static final Owners AS_STORED = new Owners(-1, -1, IdMap.IDENTITY, IdMap.IDENTITY);

    /** Whether anything is shown differently from the layers. */
    boolean changes() {
        return squashUid != -1 || squashGid != -1 || !uids.isIdentity() || !gids.isIdentity();
    }

    int shownUid(int stored) {
        return squashUid != -1 ? squashUid : uids.shown(stored);
    }

    int shownGid(int stored) {
        return squashGid != -1 ? squashGid : gids.shown(stored);
    }

    int storedUid(int shown) {
        return uids.stored(shown);
    }

    int storedGid(int shown) {
        return gids.stored(shown);
    }

    /**
     * fuse-overlayfs's mapping: ranges {@code host:shown:count} ("host" the id on the layers, "shown" the id
     * through the overlay); an id no range covers is the overflow id 65534, both ways. No ranges: ids as they are.
     */
    record IdMap(List<Range> ranges) {
        static final IdMap IDENTITY = new IdMap(List.of());
        static final int OVERFLOW = 65534;

        record Range(long host, long shown, long count) {
        }

        IdMap {
            ranges = List.copyOf(ranges);
        }

        boolean isIdentity() {
            return ranges.isEmpty();
        }

        int shown(int stored) {
            return shift(stored, true);
        }

        int stored(int shown) {
            return shift(shown, false);
        }

        private int shift(int id, boolean toShown) {
            if (ranges.isEmpty()) {
                return id;
            }
            long value = Integer.toUnsignedLong(id);
            for (Range r : ranges) {
                long from = toShown ? r.host : r.shown;
                long to = toShown ? r.shown : r.host;
                if (value >= from && value < from + r.count) {
                    return (int) (to + value - from);
                }
            }
            return OVERFLOW;
        }
    }
}
