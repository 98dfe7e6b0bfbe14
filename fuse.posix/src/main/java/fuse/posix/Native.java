package fuse.posix;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import fuse.api.Errno;

/**
 * The plumbing under every native call: libc symbol lookup, downcall handles that capture {@code errno}, and the
 * per-thread capture buffer.
 *
 * <p>Usage, for a call that returns -1 on failure:
 * <pre>{@code
 * private static final class Close { // a holder: the handle is built on the first close, not at class load
 *     static final MethodHandle HANDLE = Native.function("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
 * }
 * int rc = (int) Close.HANDLE.invokeExact(Native.errnoState(), fd);
 * if (rc < 0) throw Native.failure("close", String.valueOf(fd));
 * }</pre>
 * Handles are built once, in {@code static final} fields, so that {@code invokeExact} is fully inlined; each in
 * its own holder class, because building one spins classes (tens of milliseconds at start-up for a few).
 */
public final class Native {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /**
     * One capture buffer per thread, reused for every call: no allocation per system call. A platform thread's
     * buffer lives as long as the thread; automatic arenas free it after that.
     */
    private static final ThreadLocal<MemorySegment> ERRNO_STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    private Native() {
    }

    /**
     * A downcall handle for a libc function that sets {@code errno}. The handle takes the capture buffer
     * ({@link #errnoState()}) as an extra first argument.
     *
     * @throws UnsatisfiedLinkError naming the symbol when libc lacks it
     */
    public static MethodHandle function(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("unresolved libc symbol: " + name));
        Linker.Option[] all = new Linker.Option[options.length + 1];
        all[0] = CAPTURE_ERRNO;
        System.arraycopy(options, 0, all, 1, options.length);
        return LINKER.downcallHandle(symbol, descriptor, all);
    }

    /** A downcall handle for a libc function that never fails (e.g. {@code getpid}): no errno capture. */
    public static MethodHandle infallible(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("unresolved libc symbol: " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /** The calling thread's errno capture buffer, to pass as the first argument of a {@link #function}. */
    public static MemorySegment errnoState() {
        return ERRNO_STATE.get();
    }

    /** The errno the calling thread's last captured call left. */
    public static int lastErrno() {
        return (int) ERRNO.get(ERRNO_STATE.get(), 0L);
    }

    /** An exception for the calling thread's last captured errno. */
    public static PosixException failure(String call, String subject) {
        return new PosixException(Errno.of(lastErrno()), call, subject);
    }

    /** A NUL-terminated copy of {@code s} in {@code arena}, encoded as {@link FileNames} does. */
    public static MemorySegment cString(Arena arena, String s) {
        byte[] bytes = FileNames.encode(s);
        MemorySegment segment = arena.allocate(bytes.length + 1L);
        MemorySegment.copy(bytes, 0, segment, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
        segment.set(java.lang.foreign.ValueLayout.JAVA_BYTE, bytes.length, (byte) 0);
        return segment;
    }

    /** Reads a NUL-terminated string at the start of {@code segment}, decoded as {@link FileNames} does. */
    public static String string(MemorySegment segment) {
        return FileNames.decodeNulTerminated(segment, 0);
    }

    /** Rethrows a {@code Throwable} from {@code invokeExact}, which for a downcall can only be a JVM error. */
    public static AssertionError unexpected(Throwable t) {
        if (t instanceof Error e) {
            throw e;
        }
        return new AssertionError("native call failed unexpectedly", t);
    }

    /** {@code size_t} and {@code long} on this 64-bit Linux. */
    public static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
}
