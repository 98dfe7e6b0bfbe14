package fuse.mount.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import fuse.mount.OperationStatistics;

class OperationCountersTest {

    @Test
    void bucketsAreContiguousAndAtMostAnEighthWide() {
        long previousUpper = -1;
        for (int bucket = 0; bucket < 300; bucket++) {
            long upper = OperationCounters.upperBound(bucket);
            long lower = previousUpper + 1;
            assertTrue(upper >= lower, "bucket " + bucket);
            assertEquals(bucket, OperationCounters.bucket(lower), "lower bound of " + bucket);
            assertEquals(bucket, OperationCounters.bucket(upper), "upper bound of " + bucket);
            assertTrue(upper - lower <= lower / 8, "bucket " + bucket + " is " + lower + ".." + upper);
            previousUpper = upper;
        }
    }

    @Test
    void percentilesComeFromTheHistogramAndNeverExceedTheMaximum() {
        OperationCounters counters = new OperationCounters();
        for (int i = 1; i <= 1000; i++) {
            counters.record(15, i * 1000L, false); // READ: 1 us .. 1 ms, evenly
        }
        counters.record(15, 5_000_000, true);
        OperationStatistics read = counters.snapshot().get("READ");
        assertEquals(1001, read.count());
        assertEquals(1, read.errors());
        assertEquals(5_000_000, read.maxNanos());
        assertWithin(500_000, read.p50Nanos());
        assertWithin(900_000, read.p90Nanos());
        assertWithin(990_000, read.p99Nanos());

        OperationCounters one = new OperationCounters();
        one.record(1, 123_456, false);
        OperationStatistics lookup = one.snapshot().get("LOOKUP");
        assertEquals(123_456, lookup.p50Nanos(), "capped at the only (slowest) value");
        assertEquals(123_456, lookup.p99Nanos());
    }

    private static void assertWithin(long expected, long actual) {
        assertTrue(actual >= expected && actual <= expected * 1.125 + 1, expected + " ~ " + actual);
    }
}
