package fuse.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ProcessTest {
    @Test
    void nativePidIsTheJvmPid() {
        assertEquals(ProcessHandle.current().pid(), Process.pid());
    }
}
