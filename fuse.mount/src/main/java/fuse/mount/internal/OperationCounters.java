package fuse.mount.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

import fuse.channel.RequestHeader;
import fuse.mount.OperationStatistics;

/**
 * Per-opcode counts, errors and latencies: plain atomic arrays indexed by opcode, no allocation per request. Each
 * opcode also has a log-linear latency histogram (8 buckets per power of two, so a bucket is at most 12.5 % wide),
 * from which percentiles are read.
 */
final class OperationCounters {
    private static final int SIZE = 64;
    /** Buckets per power of two; {@value} keeps every bucket within 12.5 % of its lower bound. */
    private static final int SUB_BUCKETS = 8;
    private static final int SUB_BITS = 3;
    /** Up to 2^42 ns (73 minutes); slower requests land in the last bucket. */
    private static final int BUCKETS = (42 - SUB_BITS + 1) * SUB_BUCKETS + SUB_BUCKETS;

    private final AtomicLongArray count = new AtomicLongArray(SIZE);
    private final AtomicLongArray errors = new AtomicLongArray(SIZE);
    private final AtomicLongArray nanos = new AtomicLongArray(SIZE);
    private final AtomicLongArray max = new AtomicLongArray(SIZE);
    private final AtomicLongArray histogram = new AtomicLongArray(SIZE * BUCKETS);

    void record(int opcode, long elapsed, boolean failed) {
        int i = opcode >= 0 && opcode < SIZE ? opcode : 0;
        count.incrementAndGet(i);
        if (failed) {
            errors.incrementAndGet(i);
        }
        nanos.addAndGet(i, elapsed);
        histogram.incrementAndGet(i * BUCKETS + bucket(elapsed));
        long previous;
        while (elapsed > (previous = max.get(i)) && !max.compareAndSet(i, previous, elapsed)) {
            Thread.onSpinWait();
        }
    }

    /** The bucket of a latency: exact below {@value #SUB_BUCKETS} ns, then 8 per power of two. */
    static int bucket(long nanos) {
        if (nanos < SUB_BUCKETS) {
            return (int) Math.max(0, nanos);
        }
        int exponent = 63 - Long.numberOfLeadingZeros(nanos);
        int sub = (int) (nanos >>> (exponent - SUB_BITS)) & (SUB_BUCKETS - 1);
        return Math.min(BUCKETS - 1, (exponent - SUB_BITS + 1) * SUB_BUCKETS + sub);
    }

    /** The largest latency a bucket holds (its upper bound, inclusive). */
    static long upperBound(int bucket) {
        if (bucket < SUB_BUCKETS) {
            return bucket;
        }
        int exponent = bucket / SUB_BUCKETS + SUB_BITS - 1;
        int sub = bucket % SUB_BUCKETS;
        long lower = (long) (SUB_BUCKETS + sub) << (exponent - SUB_BITS);
        return lower + (1L << (exponent - SUB_BITS)) - 1;
    }

    Map<String, OperationStatistics> snapshot() {
        Map<String, OperationStatistics> result = new LinkedHashMap<>();
        for (int i = 0; i < SIZE; i++) {
            long n = count.get(i);
            if (n > 0) {
                long[] buckets = new long[BUCKETS];
                long total = 0;
                for (int b = 0; b < BUCKETS; b++) {
                    buckets[b] = histogram.get(i * BUCKETS + b);
                    total += buckets[b];
                }
                long slowest = max.get(i);
                result.put(RequestHeader.opcodeName(i), new OperationStatistics(n, errors.get(i), nanos.get(i), slowest,
                        percentile(buckets, total, 0.50, slowest), percentile(buckets, total, 0.90, slowest),
                        percentile(buckets, total, 0.99, slowest)));
            }
        }
        return result;
    }

    /** The upper bound of the bucket holding the {@code fraction} quantile, never above the slowest request. */
    static long percentile(long[] buckets, long total, double fraction, long slowest) {
        if (total == 0) {
            return -1;
        }
        long rank = Math.max(1, (long) Math.ceil(fraction * total));
        long seen = 0;
        for (int b = 0; b < buckets.length; b++) {
            seen += buckets[b];
            if (seen >= rank) {
                return Math.min(upperBound(b), slowest);
            }
        }
        return slowest;
    }
}
