package fuse.posix.nodes;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import fuse.posix.Posix;
import fuse.posix.PosixException;

/**
 * The {@code getdents64} buffers of open directories, each with the heap array its entries are decoded from
 * ({@link Batch}), reused from one open to the next. A fresh native segment
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

    /**
     * A {@code getdents64} buffer of {@link #BATCH} bytes and a heap array as large, which a batch is copied into
     * and decoded from ({@link Posix#visitDirentNames(byte[], int, int, Posix.DirentNameVisitor)}: fast even while
     * the decoding runs interpreted); contents undefined.
     */
    public record Batch(MemorySegment buffer, byte[] heap) {
        /** Reads the next batch of {@code fd} into the heap array: its length in bytes, 0 at the end. */
        public int read(int fd) throws PosixException {
            int length = (int) Posix.getdents64(fd, buffer);
            MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, heap, 0, length);
            return length;
        }
    }

    private final Batch[] free = new Batch[KEEP];
    private int count;

    /** A batch, contents undefined. */
    public Batch take() {
        synchronized (this) {
            if (count > 0) {
                Batch batch = free[--count];
                free[count] = null;
                return batch;
            }
        }
        return new Batch(Arena.ofAuto().allocate(BATCH, 8), new byte[BATCH]);
    }

    /** Takes back a batch of {@link #take}; the caller no longer touches it. */
    public synchronized void give(Batch batch) {
        if (count < KEEP) {
            free[count++] = batch;
        }
    }
}
