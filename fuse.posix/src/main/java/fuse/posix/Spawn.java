package fuse.posix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

import fuse.api.Errno;

/**
 * Starting a program with one of our descriptors as a given descriptor number, which {@link ProcessBuilder} cannot
 * do (its children inherit only 0, 1 and 2): {@code posix_spawnp} with a {@code dup2} file action, and
 * {@code waitpid} for its exit. For {@code fusermount3}, which gets its socket as {@code _FUSE_COMMFD}.
 */
public final class Spawn {
    /** {@code posix_spawn_file_actions_t} is 80 bytes on glibc's 64-bit ABIs; room to spare. */
    private static final long FILE_ACTIONS_SIZE = 128;

    private Spawn() {
    }

    private static final class ActionsInit {
        static final MethodHandle HANDLE = Native.infallible("posix_spawn_file_actions_init",
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }
    private static final class ActionsDup2 {
        static final MethodHandle HANDLE = Native.infallible("posix_spawn_file_actions_adddup2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    }
    private static final class ActionsDestroy {
        static final MethodHandle HANDLE = Native.infallible("posix_spawn_file_actions_destroy",
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }
    private static final class Spawnp {
        static final MethodHandle HANDLE = Native.infallible("posix_spawnp",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    }
    private static final class Waitpid {
        static final MethodHandle HANDLE = Native.function("waitpid",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }

    /**
     * Starts {@code argv} (the program looked up on {@code PATH}) with {@code environment} ({@code KEY=value}),
     * standard input, output and error inherited, and {@code fd} as descriptor {@code childFd}. Answers its pid.
     */
    public static int spawn(List<String> argv, List<String> environment, int fd, int childFd) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment actions = arena.allocate(FILE_ACTIONS_SIZE, 8);
            MemorySegment pid = arena.allocate(JAVA_INT);
            int rc = (int) ActionsInit.HANDLE.invokeExact(actions);
            check(rc, "posix_spawn_file_actions_init", argv.getFirst());
            try {
                // dup2 clears close-on-exec on the copy: our descriptor stays close-on-exec, the child's is not.
                rc = (int) ActionsDup2.HANDLE.invokeExact(actions, fd, childFd);
                check(rc, "posix_spawn_file_actions_adddup2", argv.getFirst());
                rc = (int) Spawnp.HANDLE.invokeExact(pid, Native.cString(arena, argv.getFirst()), actions,
                        MemorySegment.NULL, strings(arena, argv), strings(arena, environment));
                check(rc, "posix_spawnp", argv.getFirst());
            } finally {
                int ignored = (int) ActionsDestroy.HANDLE.invokeExact(actions);
            }
            return pid.get(JAVA_INT, 0);
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** Waits for the child {@code pid} to end; answers its exit status, or 128 + the signal that ended it. */
    public static int waitFor(int pid) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment status = arena.allocate(JAVA_INT);
            int rc;
            do {
                rc = (int) Waitpid.HANDLE.invokeExact(Native.errnoState(), pid, status, 0);
            } while (rc < 0 && Native.lastErrno() == Errno.EINTR.code());
            if (rc < 0) {
                throw Native.failure("waitpid", String.valueOf(pid));
            }
            int raw = status.get(JAVA_INT, 0);
            int signal = raw & 0x7f;
            return signal == 0 ? (raw >> 8) & 0xff : 128 + signal;
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** posix_spawn returns the error number instead of setting errno. */
    private static void check(int rc, String call, String subject) throws PosixException {
        if (rc != 0) {
            throw new PosixException(Errno.of(rc), call, subject);
        }
    }

    /** A NULL-terminated array of C strings. */
    private static MemorySegment strings(Arena arena, List<String> values) {
        MemorySegment array = arena.allocate(ADDRESS, values.size() + 1L);
        for (int i = 0; i < values.size(); i++) {
            array.setAtIndex(ADDRESS, i, Native.cString(arena, values.get(i)));
        }
        array.setAtIndex(ADDRESS, values.size(), MemorySegment.NULL);
        return array;
    }
}
