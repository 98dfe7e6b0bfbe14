package fuse.channel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import fuse.posix.Native;

/** The few raw descriptors the tests need (a backing file, a directory, a pipe), through fuse.posix.Native. */
public final class TestNative {
    private static final MethodHandle OPEN = Native.function("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = Native.function("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle PIPE = Native.function("pipe", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    private TestNative() {
    }

    public static int open(String path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(Native.errnoState(), Native.cString(arena, path), flags, 0);
            if (fd < 0) {
                throw new IllegalStateException(Native.failure("open", path));
            }
            return fd;
        } catch (Throwable t) {
            throw t instanceof RuntimeException r ? r : new IllegalStateException(t);
        }
    }

    public static void close(int fd) {
        try {
            int rc = (int) CLOSE.invokeExact(Native.errnoState(), fd);
            if (rc < 0) {
                throw new IllegalStateException(Native.failure("close", String.valueOf(fd)));
            }
        } catch (Throwable t) {
            throw t instanceof RuntimeException r ? r : new IllegalStateException(t);
        }
    }

    /** {read end, write end}. */
    public static int[] pipe() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            int rc = (int) PIPE.invokeExact(Native.errnoState(), fds);
            if (rc < 0) {
                throw new IllegalStateException(Native.failure("pipe", ""));
            }
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        } catch (Throwable t) {
            throw t instanceof RuntimeException r ? r : new IllegalStateException(t);
        }
    }
}
