package fuse.posix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;

import org.junit.jupiter.api.Test;

import fuse.api.Errno;

class NativeTest {
    private static final MethodHandle GETPID = Native.infallible("getpid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle CHDIR = Native.function("chdir", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    @Test
    void infallibleCallReturnsTheJvmPid() throws Throwable {
        assertEquals(ProcessHandle.current().pid(), (int) GETPID.invokeExact());
    }

    @Test
    void failingCallCapturesErrno() throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) CHDIR.invokeExact(Native.errnoState(), Native.cString(arena, "/no/such/directory"));
            assertEquals(-1, rc);
            PosixException failure = Native.failure("chdir", "/no/such/directory");
            assertEquals(Errno.ENOENT, failure.errno());
            assertEquals("chdir(/no/such/directory): ENOENT", failure.getMessage());
        }
    }

    @Test
    void missingSymbolFailsWithItsName() {
        UnsatisfiedLinkError error = assertThrows(UnsatisfiedLinkError.class,
                () -> Native.function("no_such_libc_function", FunctionDescriptor.ofVoid()));
        assertTrue(error.getMessage().contains("no_such_libc_function"));
    }

    @Test
    void unknownErrnoMapsToEio() {
        assertEquals(Errno.EIO, Errno.of(9999));
        assertEquals(Errno.EIO, Errno.of(-2));
        assertEquals(Errno.ENODATA, Errno.of(61));
    }
}
