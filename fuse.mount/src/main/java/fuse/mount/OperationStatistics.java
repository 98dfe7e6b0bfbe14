package fuse.mount;

/**
 * One request type's figures.
 *
 * @param count requests answered
 * @param errors of which answered with an error
 * @param totalNanos time spent answering them, summed
 * @param maxNanos the slowest
 * @param p50Nanos the median time, from a histogram whose buckets are at most 12.5 % wide (-1: unknown)
 * @param p90Nanos the 90th percentile, likewise
 * @param p99Nanos the 99th percentile, likewise
 */
public record OperationStatistics(long count, long errors, long totalNanos, long maxNanos, long p50Nanos,
        long p90Nanos, long p99Nanos) {

    /** Figures without a latency distribution (percentiles unknown). */
    public OperationStatistics(long count, long errors, long totalNanos, long maxNanos) {
        this(count, errors, totalNanos, maxNanos, -1, -1, -1);
    }

    /** The mean time per request in microseconds (0 without requests). */
    public double meanMicros() {
        return count == 0 ? 0 : totalNanos / 1000.0 / count;
    }
}
