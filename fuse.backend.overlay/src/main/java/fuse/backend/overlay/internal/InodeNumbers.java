package fuse.backend.overlay.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The inode numbers the overlay reports, one device for all layers (the mount has one {@code st_dev}).
 *
 * <p>When every layer is on one file system ("samefs") a file's number is its real inode number, as kernel
 * overlayfs reports it. Otherwise the number carries the layer file system's index in its top bits, like the
 * kernel's {@code xino}: {@code ino | fsid << 60} for up to 8 file systems and inode numbers below 2^60; other
 * numbers get a per-mount number from the range above 2^63, assigned once per real file, so numbers never collide.
 */
final class InodeNumbers {
    private static final int XINO_SHIFT = 60;
    private static final int MAX_FILE_SYSTEMS = 1 << (63 - XINO_SHIFT);

    private record RealId(long device, long inode) {
    }

    private final Map<Long, Integer> fsids = new LinkedHashMap<>();
    private final ConcurrentHashMap<RealId, Long> overflow = new ConcurrentHashMap<>();
    private final AtomicLong nextOverflow = new AtomicLong(Long.MIN_VALUE + 1);

    /** @param devices the layers' devices, upper first; duplicates share an index */
    InodeNumbers(Iterable<Long> devices) {
        for (long device : devices) {
            fsids.putIfAbsent(device, fsids.size());
        }
    }

    boolean sameFileSystem() {
        return fsids.size() == 1;
    }

    long of(long device, long inode) {
        if (sameFileSystem()) {
            return inode;
        }
        Integer fsid = fsids.get(device);
        if (fsid != null && fsid < MAX_FILE_SYSTEMS && inode >= 0 && inode < (1L << XINO_SHIFT)) {
            return inode | (long) fsid << XINO_SHIFT;
        }
        return overflow.computeIfAbsent(new RealId(device, inode), k -> nextOverflow.getAndIncrement());
    }
}
