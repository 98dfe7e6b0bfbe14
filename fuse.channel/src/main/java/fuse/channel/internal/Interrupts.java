package fuse.channel.internal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Which requests are in flight, so that an INTERRUPT can mark its target. Each reader thread handles one request
 * at a time, so the in-flight set is one slot per thread: registering costs one volatile write, no allocation.
 *
 * <p>The race: thread A reads request R, thread B reads R's INTERRUPT before A has published R. B then remembers R
 * in a small ring of early interrupts, and A checks the ring after publishing. Publishing and checking are both
 * volatile (sequentially consistent), so at least one side sees the other. Kernel uniques only grow and are never
 * reused, so a remembered unique whose request was already answered is harmless until it is overwritten.
 */
final class Interrupts {
    private static final int EARLY_CAPACITY = 64;

    private final AtomicReferenceArray<InFlight> slots;
    private final AtomicLongArray early = new AtomicLongArray(EARLY_CAPACITY);
    private final AtomicInteger earlyCursor = new AtomicInteger();
    /** Nonzero once any early interrupt was remembered: spares the ring scan in the common case. */
    private volatile int earlyCount;

    Interrupts(int threads) {
        this.slots = new AtomicReferenceArray<>(threads);
    }

    /** Publishes {@code request} as thread {@code slot}'s current request and applies an early interrupt. */
    void begin(int slot, InFlight request) {
        slots.set(slot, request);
        if (earlyCount != 0) {
            for (int i = 0; i < EARLY_CAPACITY; i++) {
                if (early.get(i) == request.unique()) {
                    request.interrupt();
                    early.compareAndSet(i, request.unique(), 0);
                    return;
                }
            }
        }
    }

    void end(int slot) {
        slots.set(slot, null);
    }

    /**
     * Marks request {@code unique} as interrupted.
     *
     * @return {@code true} if it was in flight; {@code false} if it is unknown (already answered, or not yet
     *         published: remembered for {@link #begin})
     */
    boolean interrupt(long unique) {
        if (mark(unique)) {
            return true;
        }
        int index = Math.floorMod(earlyCursor.getAndIncrement(), EARLY_CAPACITY);
        early.set(index, unique);
        earlyCount = 1;
        // Publish first, then look again: a request published in between is now caught by one side or the other.
        return mark(unique);
    }

    private boolean mark(long unique) {
        for (int i = 0; i < slots.length(); i++) {
            InFlight request = slots.get(i);
            if (request != null && request.unique() == unique) {
                request.interrupt();
                return true;
            }
        }
        return false;
    }
}
