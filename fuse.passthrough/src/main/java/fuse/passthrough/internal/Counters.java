package fuse.passthrough.internal;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import fuse.passthrough.FallbackReason;
import fuse.passthrough.OpenMode;
import fuse.passthrough.PassthroughStatistics;

/** The manager's statistics counters. */
final class Counters {
    final LongAdder passthroughOpens = new LongAdder();
    final LongAdder javaServedOpens = new LongAdder();
    final LongAdder servedInPassthroughMode = new LongAdder();
    final LongAdder modeConflicts = new LongAdder();
    final LongAdder droppedOptions = new LongAdder();
    final LongAdder undoneOpens = new LongAdder();
    final LongAdder liveIds = new LongAdder();
    final LongAdder idsOpened = new LongAdder();
    final LongAdder idsClosed = new LongAdder();
    private final Map<FallbackReason, LongAdder> fallbacks = new EnumMap<>(FallbackReason.class);

    Counters() {
        for (FallbackReason reason : FallbackReason.values()) {
            fallbacks.put(reason, new LongAdder());
        }
    }

    /**
     * An open decided ({@code +1}) or undone because the kernel did not take its reply ({@code -1}). Counting at
     * the decision, not after the reply, means a caller that has seen the open file work also sees it counted.
     */
    void opened(OpenPolicy.Decision decision, int delta) {
        if (decision.mode() == OpenMode.PASSTHROUGH) {
            passthroughOpens.add(delta);
        } else {
            javaServedOpens.add(delta);
        }
        switch (decision.outcome()) {
            case SERVED_IN_PASSTHROUGH_MODE -> servedInPassthroughMode.add(delta);
            case MODE_CONFLICT -> modeConflicts.add(delta);
            case FALLBACK -> fallbacks.get(decision.fallback()).add(delta);
            case AS_WISHED -> { }
        }
        droppedOptions.add(delta * (long) decision.droppedOptions());
    }

    void idOpened() {
        idsOpened.increment();
        liveIds.increment();
    }

    void idClosed() {
        idsClosed.increment();
        liveIds.decrement();
    }

    PassthroughStatistics snapshot(boolean passthroughEnabled) {
        Map<FallbackReason, Long> byReason = new EnumMap<>(FallbackReason.class);
        fallbacks.forEach((reason, count) -> {
            long n = count.sum();
            if (n > 0) {
                byReason.put(reason, n);
            }
        });
        return new PassthroughStatistics(passthroughOpens.sum(), javaServedOpens.sum(),
                servedInPassthroughMode.sum(), modeConflicts.sum(), byReason, droppedOptions.sum(),
                undoneOpens.sum(), liveIds.sum(), idsOpened.sum(), idsClosed.sum(), passthroughEnabled);
    }
}
