package fuse.mount;

/**
 * One request type's figures.
 *
 * @param count requests answered
 * @param errors of which answered with an error
 * @param totalNanos time spent answering them, summed
 * @param maxNanos the slowest
 */
public record OperationStatistics(long count, long errors, long totalNanos, long maxNanos) {
    /** The mean time per request in microseconds (0 without requests). */
    public double meanMicros() {
        return count == 0 ? 0 : totalNanos / 1000.0 / count;
    }
}
