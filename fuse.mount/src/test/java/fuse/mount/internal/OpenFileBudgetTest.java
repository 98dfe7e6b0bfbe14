package fuse.mount.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OpenFileBudgetTest {
    @Test
    void halfTheLimitSharedByTheMounts() {
        assertEquals((20_000 - OpenFileBudget.SERVER_RESERVE) / 2, OpenFileBudget.share(20_000, 1));
        assertEquals((20_000 - OpenFileBudget.SERVER_RESERVE) / 2 / 4, OpenFileBudget.share(20_000, 4));
        assertEquals((1_048_576 - OpenFileBudget.SERVER_RESERVE) / 2 / 3, OpenFileBudget.share(1_048_576, 3));
    }

    @Test
    void neverBelowTheMinimum() {
        assertEquals(OpenFileBudget.MINIMUM, OpenFileBudget.share(1024, 100));
        assertEquals(OpenFileBudget.MINIMUM, OpenFileBudget.share(100, 1));
        assertEquals((1024 - OpenFileBudget.SERVER_RESERVE) / 2, OpenFileBudget.share(1024, 0), "no mount yet: one");
    }

    @Test
    void theLimitIsReadAgainOnlyOnceTheLastReadingIsASecondOld() {
        long[] limit = {4096};
        int[] reads = {0};
        OpenFileBudget.SoftLimit soft = new OpenFileBudget.SoftLimit(() -> {
            reads[0]++;
            return limit[0];
        });
        long second = OpenFileBudget.LIMIT_READ_EVERY.toNanos();
        assertEquals(4096, soft.at(5 * second));
        limit[0] = 1024;
        assertEquals(4096, soft.at(5 * second + second - 1), "within the second: the reading stands");
        assertEquals(1, reads[0]);
        assertEquals(1024, soft.at(6 * second), "then the new limit");
        assertEquals(1024, soft.at(6 * second + 1));
        assertEquals(2, reads[0]);
    }
}
