package fuse.api;

/**
 * A point in time for {@code setattr}: seconds and nanoseconds since the epoch, or {@link #NOW}, the caller's
 * {@code UTIME_NOW}, which the backend resolves with its own clock (so the host file system stamps it).
 */
public record TimeSpec(long seconds, int nanos) {
    /** "Set to the current time": resolved by the backend, like {@code utimensat(…, UTIME_NOW)}. */
    public static final TimeSpec NOW = new TimeSpec(0, -1);

    public boolean isNow() {
        return nanos == -1;
    }
}
