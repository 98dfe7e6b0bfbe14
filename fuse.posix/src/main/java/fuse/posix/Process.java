package fuse.posix;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** Placeholder. */
public final class Process {
    private static final MethodHandle GETPID = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getpid").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));
    private Process() {}
    public static int pid() {
        try { return (int) GETPID.invokeExact(); } catch (Throwable t) { throw new AssertionError(t); }
    }
}
