package fuse.channel.internal;

import static fuse.posix.Linux.AT_FDCWD;
import static fuse.posix.Linux.AT_NO_AUTOMOUNT;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import fuse.api.Errno;
import fuse.posix.Native;
import fuse.posix.PosixException;

/**
 * The system calls of the channel, through {@link Native} (errno captured per call). The hot ones ({@link #read},
 * {@link #writev}) return the raw result so the reader loop can branch on errno without an exception; the cold ones
 * throw {@link PosixException}.
 */
final class LinuxCalls {
    static final long MS_RDONLY = 1;
    static final long MS_NOSUID = 2;
    static final long MS_NODEV = 4;
    static final int MNT_DETACH = 2;

    static final int STATX_TYPE = 0x1;
    /** {@code struct statx} is 256 bytes; {@code stx_mode} (u16) is at 28. */
    static final int STATX_SIZE = 256;
    static final long STATX_MODE_OFFSET = 28;

    // One holder class per call, as in fuse.posix.Posix: a handle is built on its call's first use (umount2 only
    // at the end), not all of them when the class loads.
    // open(2) and ioctl(2) are variadic in glibc: the mode and the argument must be passed as variadic arguments.
    private static final class Open {
        static final MethodHandle HANDLE = Native.function("open",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    }
    private static final class Close {
        static final MethodHandle HANDLE = Native.function("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class Read {
        static final MethodHandle HANDLE = Native.function("read",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }
    private static final class Writev {
        static final MethodHandle HANDLE = Native.function("writev",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    }
    /** The request is a C {@code unsigned long}: passed zero-extended, never sign-extended. */
    private static final class Ioctl {
        static final MethodHandle HANDLE = Native.function("ioctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    }
    private static final class Mount {
        static final MethodHandle HANDLE = Native.function("mount",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    }
    private static final class Umount2 {
        static final MethodHandle HANDLE = Native.function("umount2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }
    private static final class Statx {
        static final MethodHandle HANDLE = Native.function("statx",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    }
    /** syscall(nr, a, b, c, d, e, f): io_uring has no libc wrapper; every argument travels as a 64-bit value. */
    private static final class Syscall6 {
        static final MethodHandle HANDLE = Native.function("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                        JAVA_LONG), Linker.Option.firstVariadicArg(1));
    }
    private static final class Mmap {
        static final MethodHandle HANDLE = Native.function("mmap",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    }
    private static final class Munmap {
        static final MethodHandle HANDLE = Native.function("munmap",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    }
    private static final class SchedSetaffinity {
        static final MethodHandle HANDLE = Native.function("sched_setaffinity",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    }
    private static final class Geteuid {
        static final MethodHandle HANDLE = Native.infallible("geteuid", FunctionDescriptor.of(JAVA_INT));
    }
    private static final class Getegid {
        static final MethodHandle HANDLE = Native.infallible("getegid", FunctionDescriptor.of(JAVA_INT));
    }
    private static final class Getpagesize {
        static final MethodHandle HANDLE = Native.infallible("getpagesize", FunctionDescriptor.of(JAVA_INT));
    }

    private LinuxCalls() {
    }

    static int open(String path, int flags) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) Open.HANDLE.invokeExact(Native.errnoState(), Native.cString(arena, path), flags, 0);
            if (fd < 0) {
                throw Native.failure("open", path);
            }
            return fd;
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** Closes {@code fd}; errors are returned, not thrown: there is nothing a caller could do about them. */
    static Errno close(int fd) {
        try {
            int rc = (int) Close.HANDLE.invokeExact(Native.errnoState(), fd);
            return rc < 0 ? Errno.of(Native.lastErrno()) : null;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** @return the number of bytes read, or {@code -errno} */
    static long read(int fd, MemorySegment buffer, long size) {
        try {
            long n = (long) Read.HANDLE.invokeExact(Native.errnoState(), fd, buffer, size);
            return n < 0 ? -Native.lastErrno() : n;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** @return the number of bytes written, or {@code -errno} */
    static long writev(int fd, MemorySegment iovec, int count) {
        try {
            long n = (long) Writev.HANDLE.invokeExact(Native.errnoState(), fd, iovec, count);
            return n < 0 ? -Native.lastErrno() : n;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** @return the ioctl's non-negative result, or {@code -errno} */
    static int ioctl(int fd, int request, MemorySegment argument) {
        try {
            int rc = (int) Ioctl.HANDLE.invokeExact(Native.errnoState(), fd, Integer.toUnsignedLong(request), argument);
            return rc < 0 ? -Native.lastErrno() : rc;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static void mount(String source, String target, String type, long flags, String data) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dataSegment = data == null ? MemorySegment.NULL : Native.cString(arena, data);
            int rc = (int) Mount.HANDLE.invokeExact(Native.errnoState(), Native.cString(arena, source),
                    Native.cString(arena, target), Native.cString(arena, type), flags, dataSegment);
            if (rc < 0) {
                throw Native.failure("mount", target);
            }
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static void umount2(String target, int flags) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) Umount2.HANDLE.invokeExact(Native.errnoState(), Native.cString(arena, target), flags);
            if (rc < 0) {
                throw Native.failure("umount2", target);
            }
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /**
     * The file type bits of {@code path} ({@code S_IFMT} part of the mode), following no automount.
     *
     * @throws PosixException with the errno (ENOTCONN for a FUSE mount whose server is gone)
     */
    static int fileType(String path) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(STATX_SIZE, 8);
            int rc = (int) Statx.HANDLE.invokeExact(Native.errnoState(), AT_FDCWD, Native.cString(arena, path),
                    AT_NO_AUTOMOUNT, STATX_TYPE, buffer);
            if (rc < 0) {
                throw Native.failure("statx", path);
            }
            return Short.toUnsignedInt(buffer.get(JAVA_SHORT, STATX_MODE_OFFSET)) & 0170000;
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** x86_64 system call numbers (io_uring has no glibc wrapper). */
    static final long SYS_IO_URING_SETUP = 425;
    static final long SYS_IO_URING_ENTER = 426;
    static final long SYS_IO_URING_REGISTER = 427;

    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 0x01;
    static final int MAP_PRIVATE = 0x02;
    static final int MAP_ANONYMOUS = 0x20;
    static final int MAP_NORESERVE = 0x4000;
    static final int MAP_POPULATE = 0x8000;

    /** @return the system call's non-negative result, or {@code -errno} */
    static long syscall(long number, long a, long b, long c, long d, long e, long f) {
        try {
            long rc = (long) Syscall6.HANDLE.invokeExact(Native.errnoState(), number, a, b, c, d, e, f);
            return rc < 0 ? -Native.lastErrno() : rc;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** @return the mapping, {@code size} bytes long, or {@code null} with {@link Native#lastErrno()} set */
    static MemorySegment mmap(long size, int prot, int flags, int fd, long offset) {
        try {
            long address = (long) Mmap.HANDLE.invokeExact(Native.errnoState(), 0L, size, prot, flags, fd, offset);
            return address == -1L ? null : MemorySegment.ofAddress(address).reinterpret(size);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static Errno munmap(MemorySegment mapping) {
        try {
            int rc = (int) Munmap.HANDLE.invokeExact(Native.errnoState(), mapping.address(), mapping.byteSize());
            return rc < 0 ? Errno.of(Native.lastErrno()) : null;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** {@code cpu_set_t}: 1024 CPUs, one bit each. */
    private static final int CPU_SET_BYTES = 128;

    /** Binds the calling thread to {@code cpu}; the errno when the kernel refuses (EINVAL: the CPU is offline). */
    static Errno pinToCpu(int cpu) {
        if (cpu < 0 || cpu >= CPU_SET_BYTES * 8) {
            return Errno.EINVAL;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(CPU_SET_BYTES, 8);
            mask.set(java.lang.foreign.ValueLayout.JAVA_BYTE, cpu / 8, (byte) (1 << (cpu % 8)));
            int rc = (int) SchedSetaffinity.HANDLE.invokeExact(Native.errnoState(), 0, (long) CPU_SET_BYTES, mask);
            return rc < 0 ? Errno.of(Native.lastErrno()) : null;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static int geteuid() {
        try {
            return (int) Geteuid.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static int getpagesize() {
        try {
            return (int) Getpagesize.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static int getegid() {
        try {
            return (int) Getegid.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }
}
