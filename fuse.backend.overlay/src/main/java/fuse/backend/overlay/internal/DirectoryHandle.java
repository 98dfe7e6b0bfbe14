package fuse.backend.overlay.internal;

import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

import fuse.api.Handle;

/**
 * An open directory: a snapshot of its merged listing, taken by the first readdir and again by each readdir from
 * offset 0 (rewinddir). Offsets are indexes into the snapshot, so a listing resumed from any offset neither
 * repeats nor skips entries however the directory changes meanwhile (the kernel's overlayfs caches a merged
 * listing per open directory the same way).
 */
final class DirectoryHandle implements Handle {
    /** One line of the listing, "." and ".." included. */
    record Line(String name, long inode, fuse.api.FileType type) {
    }

    final OverlayNode node;
    final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}. */
    List<Line> snapshot;

    DirectoryHandle(OverlayNode node) {
        this.node = node;
    }
}
