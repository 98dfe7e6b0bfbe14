package fuse.passthrough;

import java.util.Map;

/**
 * What a mount's passthrough manager decided so far. Opens count from their decision; one whose reply the
 * kernel did not take is subtracted again (and counted in {@code undoneOpens}).
 *
 * @param passthroughOpens opens the kernel serves from the backing file ({@link OpenMode#PASSTHROUGH})
 * @param javaServedOpens opens whose reads and writes reach the backend, whatever the reason
 * @param servedInPassthroughMode Java-served opens of an inode in passthrough mode, replied as
 *        {@code PASSTHROUGH|DIRECT_IO} with the inode's backing id (included in {@code javaServedOpens})
 * @param modeConflicts passthrough wishes served in Java because the inode had cached opens (included in
 *        {@code javaServedOpens})
 * @param fallbacks passthrough wishes served in Java because passthrough was refused or off, by reason
 *        (included in {@code javaServedOpens})
 * @param droppedOptions open options a backend asked for that the kernel does not allow with passthrough
 *        ({@code NONSEEKABLE}, {@code CACHE_DIR}), dropped from passthrough-mode replies ({@code KEEP_CACHE}
 *        is dropped too, uncounted: it only concerns served opens)
 * @param undoneOpens opens whose reply the kernel did not take (interrupted, connection gone), undone at once
 * @param liveIds backing ids registered now
 * @param idsOpened backing ids registered in total
 * @param idsClosed backing ids closed in total, at the last release of their inode or at the mount's end
 * @param passthroughEnabled whether the mount still tries passthrough ({@code false} after a refusal that
 *        holds for the whole mount)
 */
public record PassthroughStatistics(
        long passthroughOpens,
        long javaServedOpens,
        long servedInPassthroughMode,
        long modeConflicts,
        Map<FallbackReason, Long> fallbacks,
        long droppedOptions,
        long undoneOpens,
        long liveIds,
        long idsOpened,
        long idsClosed,
        boolean passthroughEnabled) {

    public PassthroughStatistics {
        fallbacks = Map.copyOf(fallbacks);
    }

    /** Fallbacks for one reason (0 if none). */
    public long fallbacks(FallbackReason reason) {
        return fallbacks.getOrDefault(reason, 0L);
    }

    /** Fallbacks for every reason. */
    public long totalFallbacks() {
        return fallbacks.values().stream().mapToLong(Long::longValue).sum();
    }
}
