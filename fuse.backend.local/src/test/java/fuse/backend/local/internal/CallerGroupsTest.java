package fuse.backend.local.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

import fuse.posix.Posix;

class CallerGroupsTest {
    @Test
    void aThreadsGroupsAreItsStatusLine() throws Exception {
        // The test runs on a thread whose groups are the process's; its id names it in /proc like any thread's.
        int[] own = Posix.threadGroups();
        java.util.Arrays.sort(own);
        int[] read = CallerGroups.of((int) ProcessHandle.current().pid());
        java.util.Arrays.sort(read);
        assertArrayEquals(own, read);
    }

    @Test
    void invisibleOrVanishedCallersHaveNoGroups() {
        assertArrayEquals(new int[0], CallerGroups.of(0));
        assertArrayEquals(new int[0], CallerGroups.of(Integer.MAX_VALUE));
    }

    @Test
    void parsesTheKernelsFormat() {
        assertArrayEquals(new int[0], CallerGroups.parse("\t"));
        assertArrayEquals(new int[] {100, 65534}, CallerGroups.parse("\t100 65534 "));
        assertArrayEquals(new int[] {-2}, CallerGroups.parse(" 4294967294"));
    }
}
