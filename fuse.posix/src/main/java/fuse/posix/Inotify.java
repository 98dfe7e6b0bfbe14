package fuse.posix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The calls of a watch by inotify, where fanotify is not available (no {@code CAP_SYS_ADMIN}, a file system
 * without file handles): {@code inotify_init1(2)}, {@code inotify_add_watch(2)}, {@code inotify_rm_watch(2)}.
 * Events are read with {@link Posix#read} and waited for with {@link Fanotify#awaitReadable}; their layout is
 * inotify(7)'s ({@code struct inotify_event}: wd, mask, cookie, len, then the NUL-padded name).
 */
public final class Inotify {
    /** {@code sizeof(struct inotify_event)} without its name. */
    public static final int EVENT_BYTES = 16;

    private Inotify() {
    }

    private static final class Init {
        static final MethodHandle HANDLE = Native.function("inotify_init1",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class AddWatch {
        static final MethodHandle HANDLE = Native.function("inotify_add_watch",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }
    private static final class RmWatch {
        static final MethodHandle HANDLE = Native.function("inotify_rm_watch",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }

    /** {@code inotify_init1(flags)}: the instance's descriptor. */
    public static int init(int flags) throws PosixException {
        int fd;
        try {
            fd = (int) Init.HANDLE.invokeExact(Native.errnoState(), flags);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (fd < 0) {
            throw Native.failure("inotify_init1", "flags 0x" + Integer.toHexString(flags));
        }
        return fd;
    }

    /**
     * {@code inotify_add_watch(fd, path, mask)}: the watch descriptor (the same one again for a file already
     * watched). ENOSPC past {@code /proc/sys/fs/inotify/max_user_watches}.
     */
    public static int addWatch(int fd, String path, int mask) throws PosixException {
        MemorySegment p = Scratch.get().cString(0, path, "inotify_add_watch");
        int wd;
        try {
            wd = (int) AddWatch.HANDLE.invokeExact(Native.errnoState(), fd, p, mask);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (wd < 0) {
            throw Native.failure("inotify_add_watch", path);
        }
        return wd;
    }

    /** {@code inotify_rm_watch(fd, wd)}; a watch already gone (its file deleted) is no error. */
    public static void rmWatch(int fd, int wd) {
        try {
            int ignored = (int) RmWatch.HANDLE.invokeExact(Native.errnoState(), fd, wd);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }
}
