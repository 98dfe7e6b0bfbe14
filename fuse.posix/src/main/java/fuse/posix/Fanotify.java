package fuse.posix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The calls a watch on a host file system needs: {@code fanotify_init(2)}, {@code fanotify_mark(2)},
 * {@code open_by_handle_at(2)} (to learn which file an event's file handle names), {@code poll(2)} on two
 * descriptors (the events and a wake-up pipe) and {@code gettid(2)} (whose changes to ignore). Events are read
 * with {@link Posix#read}; their layout is fanotify(7)'s.
 */
public final class Fanotify {
    private Fanotify() {
    }

    private static final class Init {
        static final MethodHandle HANDLE = Native.function("fanotify_init",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }
    private static final class Mark {
        static final MethodHandle HANDLE = Native.function("fanotify_mark",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS));
    }
    private static final class Poll {
        static final MethodHandle HANDLE = Native.function("poll",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    }
    private static final class Gettid {
        static final MethodHandle HANDLE = Native.infallible("gettid", FunctionDescriptor.of(JAVA_INT));
    }

    /** {@code fanotify_init(flags, eventFileFlags)}: the group's descriptor. */
    public static int init(int flags, int eventFileFlags) throws PosixException {
        int fd;
        try {
            fd = (int) Init.HANDLE.invokeExact(Native.errnoState(), flags, eventFileFlags);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (fd < 0) {
            throw Native.failure("fanotify_init", "flags 0x" + Integer.toHexString(flags));
        }
        return fd;
    }

    /** {@code fanotify_mark(fd, flags, mask, AT_FDCWD, path)}. */
    public static void mark(int fd, int flags, long mask, String path) throws PosixException {
        MemorySegment p = Scratch.get().cString(0, path, "fanotify_mark");
        int rc;
        try {
            rc = (int) Mark.HANDLE.invokeExact(Native.errnoState(), fd, flags, mask, Linux.AT_FDCWD, p);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("fanotify_mark", path);
        }
    }

    /**
     * {@code open_by_handle_at(mountFd, handle, flags)}: {@code handle} is a {@code struct file_handle} (as an
     * fanotify event carries it). Needs {@code CAP_DAC_READ_SEARCH}.
     */
    public static int openByHandleAt(int mountFd, MemorySegment handle, int flags) throws PosixException {
        return Posix.openByHandleAt(mountFd, handle, flags);
    }

    /**
     * Waits until {@code fd} or {@code wakeFd} is readable ({@code poll(2)}, no timeout; EINTR answers
     * {@code false} too).
     *
     * @return whether {@code fd} is readable
     */
    public static boolean awaitReadable(int fd, int wakeFd) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(16, 8);
            fds.set(JAVA_INT, 0, fd);
            fds.set(JAVA_SHORT, 4, Linux.POLLIN);
            fds.set(JAVA_INT, 8, wakeFd);
            fds.set(JAVA_SHORT, 12, Linux.POLLIN);
            int rc;
            try {
                rc = (int) Poll.HANDLE.invokeExact(Native.errnoState(), fds, 2L, -1);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            if (rc < 0) {
                if (Native.lastErrno() == fuse.api.Errno.EINTR.code()) {
                    return false;
                }
                throw Native.failure("poll", "fd " + fd);
            }
            return (fds.get(JAVA_SHORT, 6) & Linux.POLLIN) != 0;
        }
    }

    /** {@code gettid(2)}: the calling thread's kernel id, which {@code FAN_REPORT_TID} events carry. */
    public static int gettid() {
        try {
            return (int) Gettid.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }
}
