package fuse.posix.nodes;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The {@code getdents64} buffers of open directories, reused from one open to the next. A fresh native segment
 * is zeroed, and one from {@link Arena#ofAuto()} also registers with the cleaner and is freed by the garbage
 * collector later: per OPENDIR of a tree walk (one per directory) that showed in the profile. Closing a shared
 * arena instead would wait for a handshake with every thread of the JVM. A handful are kept: a walk holds one or
 * two directories open at a time; beyond that, buffers are left to the garbage collector. One per file system,
 * shared by its {@link HostDirectory}s.
 */
public final class DirentBatches {
    /** The size of one buffer: a batch of entries per {@code getdents64}. */
    public static final int BATCH = 32 * 1024;
    private static final int KEEP = 16;

    private final MemorySegment[] free = new MemorySegment[KEEP];
    private int count;

    /** A buffer of {@link #BATCH} bytes, contents undefined. */
    public MemorySegment take() {
        synchronized (this) {
            if (count > 0) {
                MemorySegment batch = free[--count];
                free[count] = null;
                return batch;
            }
        }
        return Arena.ofAuto().allocate(BATCH, 8);
    }

    /** Takes back a buffer of {@link #take}; the caller no longer touches it. */
    public synchronized void give(MemorySegment batch) {
        if (count < KEEP) {
            free[count++] = batch;
        }
    }
}
