package fuse.posix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import fuse.api.FileSystemStats;
import fuse.api.TimeSpec;

/**
 * Typed wrappers for the Linux file system calls the backends need, on top of {@link Native}.
 *
 * <p>Conventions: descriptors are plain {@code int}s (wrap one in {@link Fd} to close it with
 * try-with-resources); flags and modes are the {@link Linux} constants; strings are passed as NUL-terminated
 * UTF-8 from per-thread scratch memory (a string with an embedded NUL fails with {@code EINVAL}, one longer than
 * {@code PATH_MAX} with {@code ENAMETOOLONG}); data buffers are the caller's <em>native</em> segments, used only
 * during the call. A failure throws {@link PosixException} carrying the errno, the call and its subject (the path
 * or {@code fd N}). No call allocates native memory; the stat calls allocate only their result record.
 *
 * <p>On an {@code O_PATH} descriptor these work: {@code fstat}, {@code fstatfs}, the {@code *at} calls with it as
 * the directory, and with {@code ""} plus {@code AT_EMPTY_PATH}: {@code fstatat}, {@code fchownat},
 * {@link #fchmodat2}, {@code linkat}, {@code faccessat}, {@code utimensat}, {@code readlinkat} (no flag needed).
 * Reading, writing, xattrs, {@code ftruncate}, {@code fchmod} and {@code futimens} fail with {@code EBADF}: use
 * {@link #procFdPath} with the path variants, as libfuse's passthrough_hp does.
 */
public final class Posix {
    private Posix() {
    }

    private static final Linker.Option VARIADIC_AFTER_1 = Linker.Option.firstVariadicArg(1);

    // One holder class per call: the JVM initialises a class on its first use, once, thread-safely, so a handle is
    // built when its call is first made, not when Posix is loaded. Building a downcall handle spins classes
    // (0.05-0.6 s for all of them at start-up); a start uses a handful. HANDLE stays a static final constant, so
    // invokeExact still inlines. The classes belong to this bundle's class loader: nothing is shared beyond it.

    private static final class Openat {
        static final MethodHandle HANDLE = Native.function("openat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                Linker.Option.firstVariadicArg(3));
    }
    /** syscall(nr, a, b, c, d): every variadic argument travels as a 64-bit value, as the kernel reads it. */
    private static final class SyscallLPPL {
        static final MethodHandle HANDLE = Native.function("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG),
                VARIADIC_AFTER_1);
    }
    private static final class SyscallLPLL {
        static final MethodHandle HANDLE = Native.function("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG),
                VARIADIC_AFTER_1);
    }
    private static final class SyscallLP {
        static final MethodHandle HANDLE = Native.function("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS), VARIADIC_AFTER_1);
    }
    private static final class NameToHandleAt {
        static final MethodHandle HANDLE = Native.function("name_to_handle_at",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
    }
    private static final class OpenByHandleAt {
        static final MethodHandle HANDLE = Native.function("open_by_handle_at",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }
    private static final class Getrlimit {
        static final MethodHandle HANDLE = Native.function("getrlimit",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    }
    private static final class Setrlimit {
        static final MethodHandle HANDLE = Native.function("setrlimit",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    }
    private static final class Close {
        static final MethodHandle HANDLE = Native.function("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class Dup {
        static final MethodHandle HANDLE = Native.function("dup", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class Pipe2 {
        static final MethodHandle HANDLE = Native.function("pipe2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }
    private static final class Fcntl {
        static final MethodHandle HANDLE = Native.function("fcntl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), Linker.Option.firstVariadicArg(2));
    }
    private static final class Flock {
        static final MethodHandle HANDLE = Native.function("flock",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }
    private static final class Fstat {
        static final MethodHandle HANDLE = Native.function("fstat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    }
    private static final class Fstatat {
        static final MethodHandle HANDLE = Native.function("fstatat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    }
    private static final class Read {
        static final MethodHandle HANDLE = Native.function("read",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }
    private static final class Write {
        static final MethodHandle HANDLE = Native.function("write",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }
    private static final class Pread {
        static final MethodHandle HANDLE = Native.function("pread",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    }
    private static final class Pwrite {
        static final MethodHandle HANDLE = Native.function("pwrite",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    }
    private static final class Fsync {
        static final MethodHandle HANDLE = Native.function("fsync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class Syncfs {
        static final MethodHandle HANDLE = Native.function("syncfs", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class Fdatasync {
        static final MethodHandle HANDLE = Native.function("fdatasync",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class Ftruncate {
        static final MethodHandle HANDLE = Native.function("ftruncate",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    }
    private static final class Truncate {
        static final MethodHandle HANDLE = Native.function("truncate",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    }
    private static final class Fallocate {
        static final MethodHandle HANDLE = Native.function("fallocate",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    }
    private static final class Lseek {
        static final MethodHandle HANDLE = Native.function("lseek",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    }
    private static final class CopyFileRange {
        static final MethodHandle HANDLE = Native.function("copy_file_range",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    }
    private static final class Getdents64 {
        static final MethodHandle HANDLE = Native.function("getdents64",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }
    private static final class Readlinkat {
        static final MethodHandle HANDLE = Native.function("readlinkat",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    }
    private static final class Mkdirat {
        static final MethodHandle HANDLE = Native.function("mkdirat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }
    private static final class Mknodat {
        static final MethodHandle HANDLE = Native.function("mknodat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    }
    private static final class Symlinkat {
        static final MethodHandle HANDLE = Native.function("symlinkat",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    }
    private static final class Linkat {
        static final MethodHandle HANDLE = Native.function("linkat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    }
    private static final class Unlinkat {
        static final MethodHandle HANDLE = Native.function("unlinkat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }
    private static final class Renameat2 {
        static final MethodHandle HANDLE = Native.function("renameat2",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    }
    private static final class Fchmod {
        static final MethodHandle HANDLE = Native.function("fchmod",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }
    private static final class Fchmodat {
        static final MethodHandle HANDLE = Native.function("fchmodat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    }
    private static final class Fchown {
        static final MethodHandle HANDLE = Native.function("fchown",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    }
    private static final class Fchownat {
        static final MethodHandle HANDLE = Native.function("fchownat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    }
    private static final class Utimensat {
        static final MethodHandle HANDLE = Native.function("utimensat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    }
    private static final class Futimens {
        static final MethodHandle HANDLE = Native.function("futimens",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    }
    private static final class Fstatfs {
        static final MethodHandle HANDLE = Native.function("fstatfs",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    }
    private static final class Statfs {
        static final MethodHandle HANDLE = Native.function("statfs",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }
    private static final class Faccessat {
        static final MethodHandle HANDLE = Native.function("faccessat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    }
    private static final class Fgetxattr {
        static final MethodHandle HANDLE = Native.function("fgetxattr",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    }
    private static final class Fsetxattr {
        static final MethodHandle HANDLE = Native.function("fsetxattr",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
    }
    private static final class Flistxattr {
        static final MethodHandle HANDLE = Native.function("flistxattr",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }
    private static final class Fremovexattr {
        static final MethodHandle HANDLE = Native.function("fremovexattr",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    }
    private static final FunctionDescriptor GETXATTR_DESC =
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG);
    private static final class Getxattr {
        static final MethodHandle HANDLE = Native.function("getxattr", GETXATTR_DESC);
    }
    private static final class Lgetxattr {
        static final MethodHandle HANDLE = Native.function("lgetxattr", GETXATTR_DESC);
    }
    private static final FunctionDescriptor SETXATTR_DESC =
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final class Setxattr {
        static final MethodHandle HANDLE = Native.function("setxattr", SETXATTR_DESC);
    }
    private static final class Lsetxattr {
        static final MethodHandle HANDLE = Native.function("lsetxattr", SETXATTR_DESC);
    }
    private static final FunctionDescriptor LISTXATTR_DESC = FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG);
    private static final class Listxattr {
        static final MethodHandle HANDLE = Native.function("listxattr", LISTXATTR_DESC);
    }
    private static final class Llistxattr {
        static final MethodHandle HANDLE = Native.function("llistxattr", LISTXATTR_DESC);
    }
    private static final FunctionDescriptor REMOVEXATTR_DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
    private static final class Removexattr {
        static final MethodHandle HANDLE = Native.function("removexattr", REMOVEXATTR_DESC);
    }
    private static final class Lremovexattr {
        static final MethodHandle HANDLE = Native.function("lremovexattr", REMOVEXATTR_DESC);
    }
    private static final class Umask {
        static final MethodHandle HANDLE = Native.infallible("umask", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class Setfsuid {
        static final MethodHandle HANDLE = Native.infallible("setfsuid",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class Setfsgid {
        static final MethodHandle HANDLE = Native.infallible("setfsgid",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class Getuid {
        static final MethodHandle HANDLE = Native.infallible("getuid", FunctionDescriptor.of(JAVA_INT));
    }
    private static final class Geteuid {
        static final MethodHandle HANDLE = Native.infallible("geteuid", FunctionDescriptor.of(JAVA_INT));
    }
    private static final class Getgid {
        static final MethodHandle HANDLE = Native.infallible("getgid", FunctionDescriptor.of(JAVA_INT));
    }
    private static final class Getegid {
        static final MethodHandle HANDLE = Native.infallible("getegid", FunctionDescriptor.of(JAVA_INT));
    }

    // ---------------------------------------------------------------------------------------------- descriptors

    /** {@code openat(2)}; {@code mode} only matters with {@code O_CREAT}/{@code O_TMPFILE}. */
    public static int openat(int dirfd, String path, int flags, int mode) throws PosixException {
        MemorySegment p = Scratch.get().cString(0, path, "openat");
        int fd;
        try {
            fd = (int) Openat.HANDLE.invokeExact(Native.errnoState(), dirfd, p, flags, mode);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (fd < 0) {
            throw Native.failure("openat", path);
        }
        return fd;
    }

    /**
     * {@code openat2(2)} (there is no glibc wrapper: {@code syscall(SYS_openat2, …)}). {@code resolve} is a set
     * of {@code RESOLVE_*} flags, e.g. {@code RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS} to stay under
     * {@code dirfd}; unknown flag bits fail with {@code EINVAL} instead of being ignored as with openat.
     */
    public static int openat2(int dirfd, String path, int flags, int mode, long resolve) throws PosixException {
        Scratch scratch = Scratch.get();
        MemorySegment p = scratch.cString(0, path, "openat2");
        MemorySegment how = scratch.openHow(flags & 0xffffffffL, mode & 0xffffffffL, resolve);
        long fd;
        try {
            fd = (long) SyscallLPPL.HANDLE.invokeExact(Native.errnoState(), Linux.SYS_OPENAT2, (long) dirfd, p, how,
                    Structs.OPEN_HOW.byteSize());
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (fd < 0) {
            throw Native.failure("openat2", path);
        }
        return (int) fd;
    }

    /**
     * {@code name_to_handle_at(2)}: the file handle of {@code path} relative to {@code dirfd} (with
     * {@code AT_EMPTY_PATH} and {@code ""}: of {@code dirfd}'s own file), which names that file for as long as it
     * exists, across renames, without holding a descriptor. Needs no privilege.
     *
     * @throws PosixException EOPNOTSUPP where the file system cannot encode handles (procfs, many FUSE and network
     *         file systems)
     */
    public static HostHandle nameToHandleAt(int dirfd, String path, int flags) throws PosixException {
        Scratch scratch = Scratch.get();
        MemorySegment p = scratch.cString(0, path, "name_to_handle_at");
        MemorySegment handle = scratch.fileHandle;
        handle.set(JAVA_INT, 0, Linux.MAX_HANDLE_SZ);
        MemorySegment mountId = scratch.longs;
        int rc;
        try {
            rc = (int) NameToHandleAt.HANDLE.invokeExact(Native.errnoState(), dirfd, p, handle, mountId, flags);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("name_to_handle_at", path.isEmpty() ? fdSubject(dirfd) : path);
        }
        return scratch.hostHandle();
    }

    /**
     * {@code open_by_handle_at(2)}: opens the file {@code handle} names on the file system of {@code mountFd}
     * (any descriptor of a file on that mount). A symlink's handle opens only with {@code O_PATH}, and is not
     * followed. Needs {@code CAP_DAC_READ_SEARCH}.
     *
     * @throws PosixException ESTALE when the file no longer exists, EPERM without the capability
     */
    public static int openByHandleAt(int mountFd, HostHandle handle, int flags) throws PosixException {
        MemorySegment h = Scratch.get().fileHandle;
        MemorySegment.copy(handle.bytes(), 0, h, JAVA_BYTE, 0, handle.bytes().length);
        return openByHandleAt(mountFd, h, flags);
    }

    /** {@link #openByHandleAt(int, HostHandle, int)} for a {@code struct file_handle} in native memory. */
    public static int openByHandleAt(int mountFd, MemorySegment handle, int flags) throws PosixException {
        int fd;
        try {
            fd = (int) OpenByHandleAt.HANDLE.invokeExact(Native.errnoState(), mountFd, handle, flags);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (fd < 0) {
            throw Native.failure("open_by_handle_at", fdSubject(mountFd));
        }
        return fd;
    }

    public static void close(int fd) throws PosixException {
        int rc;
        try {
            rc = (int) Close.HANDLE.invokeExact(Native.errnoState(), fd);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("close", fdSubject(fd));
        }
    }

    /**
     * Closes {@code fd}, ignoring a failure: for cleanup paths where the descriptor is released whatever close
     * says (Linux frees the descriptor even when close fails).
     */
    public static void closeQuietly(int fd) {
        if (fd < 0) {
            return;
        }
        try {
            int ignored = (int) Close.HANDLE.invokeExact(Native.errnoState(), fd);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    public static int dup(int fd) throws PosixException {
        int copy;
        try {
            copy = (int) Dup.HANDLE.invokeExact(Native.errnoState(), fd);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (copy < 0) {
            throw Native.failure("dup", fdSubject(fd));
        }
        return copy;
    }

    /** {@code pipe2(fds, flags)}: {@code [readEnd, writeEnd]}. */
    public static int[] pipe(int flags) throws PosixException {
        MemorySegment fds = Scratch.get().longs;
        int rc;
        try {
            rc = (int) Pipe2.HANDLE.invokeExact(Native.errnoState(), fds, flags);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("pipe2", "");
        }
        return new int[] {fds.get(JAVA_INT, 0), fds.get(JAVA_INT, 4)};
    }

    /** {@code fcntl(fd, cmd, arg)} for the integer commands ({@code F_GETFL}, {@code F_SETFL}, {@code F_DUPFD}…). */
    public static int fcntl(int fd, int cmd, long arg) throws PosixException {
        int rc;
        try {
            rc = (int) Fcntl.HANDLE.invokeExact(Native.errnoState(), fd, cmd, arg);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("fcntl", fdSubject(fd));
        }
        return rc;
    }

    /**
     * {@code flock(2)}: {@code LOCK_SH}, {@code LOCK_EX} or {@code LOCK_UN}, with {@code LOCK_NB} to fail with
     * {@code EWOULDBLOCK} instead of waiting. The lock belongs to the open file description: another open of the
     * same file (in this process too) conflicts with it, and it goes away when every duplicate of {@code fd} is
     * closed. Not on an {@code O_PATH} descriptor ({@code EBADF}).
     */
    public static void flock(int fd, int operation) throws PosixException {
        int rc;
        try {
            rc = (int) Flock.HANDLE.invokeExact(Native.errnoState(), fd, operation);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("flock", fdSubject(fd));
        }
    }

    /** {@code "/proc/self/fd/N"}: the path that reaches an {@code O_PATH} descriptor's file in path-based calls. */
    public static String procFdPath(int fd) {
        return "/proc/self/fd/" + fd;
    }

    // --------------------------------------------------------------------------------------------------- status

    public static FileStat fstat(int fd) throws PosixException {
        Scratch scratch = Scratch.get();
        int rc;
        try {
            rc = (int) Fstat.HANDLE.invokeExact(Native.errnoState(), fd, scratch.stat);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("fstat", fdSubject(fd));
        }
        return scratch.fileStat();
    }

    /** {@code fstatat(2)}; flags {@code AT_SYMLINK_NOFOLLOW}, {@code AT_EMPTY_PATH} (with {@code ""}). */
    public static FileStat fstatat(int dirfd, String path, int flags) throws PosixException {
        Scratch scratch = Scratch.get();
        MemorySegment p = scratch.cString(0, path, "fstatat");
        int rc;
        try {
            rc = (int) Fstatat.HANDLE.invokeExact(Native.errnoState(), dirfd, p, scratch.stat, flags);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("fstatat", path);
        }
        return scratch.fileStat();
    }

    public static FileSystemStats fstatfs(int fd) throws PosixException {
        return Structs.fileSystemStats(fstatfsInto(fd));
    }

    /** The {@code f_type} magic of the file system {@code fd} is on ({@code EXT4_SUPER_MAGIC}…). */
    public static long fileSystemType(int fd) throws PosixException {
        return fstatfsInto(fd).get(JAVA_LONG, Structs.F_TYPE);
    }

    private static MemorySegment fstatfsInto(int fd) throws PosixException {
        MemorySegment statfs = Scratch.get().statfs;
        int rc;
        try {
            rc = (int) Fstatfs.HANDLE.invokeExact(Native.errnoState(), fd, statfs);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("fstatfs", fdSubject(fd));
        }
        return statfs;
    }

    public static FileSystemStats statfs(String path) throws PosixException {
        Scratch scratch = Scratch.get();
        MemorySegment p = scratch.cString(0, path, "statfs");
        int rc;
        try {
            rc = (int) Statfs.HANDLE.invokeExact(Native.errnoState(), p, scratch.statfs);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("statfs", path);
        }
        return Structs.fileSystemStats(scratch.statfs);
    }

    /**
     * {@code faccessat(2)}; {@code AT_EACCESS} checks with the thread's file system ids (see {@link FsCredentials}),
     * {@code AT_EMPTY_PATH} with {@code ""} checks {@code dirfd} itself (glibc uses faccessat2 for flags).
     */
    public static void faccessat(int dirfd, String path, int mode, int flags) throws PosixException {
        MemorySegment p = Scratch.get().cString(0, path, "faccessat");
        int rc;
        try {
            rc = (int) Faccessat.HANDLE.invokeExact(Native.errnoState(), dirfd, p, mode, flags);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("faccessat", path);
        }
    }

    // --------------------------------------------------------------------------------------------------- data

    /** {@code read(2)} into {@code buffer}; 0 at end of file. */
    public static long read(int fd, MemorySegment buffer) throws PosixException {
        long n;
        try {
            n = (long) Read.HANDLE.invokeExact(Native.errnoState(), fd, buffer, buffer.byteSize());
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (n < 0) {
            throw Native.failure("read", fdSubject(fd));
        }
        return n;
    }

    public static long write(int fd, MemorySegment data) throws PosixException {
        long n;
        try {
            n = (long) Write.HANDLE.invokeExact(Native.errnoState(), fd, data, data.byteSize());
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (n < 0) {
            throw Native.failure("write", fdSubject(fd));
        }
        return n;
    }

    /** {@code pread(2)} of up to {@code buffer.byteSize()} bytes at {@code offset}; 0 at end of file. */
    public static long pread(int fd, MemorySegment buffer, long offset) throws PosixException {
        long n;
        try {
            n = (long) Pread.HANDLE.invokeExact(Native.errnoState(), fd, buffer, buffer.byteSize(), offset);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (n < 0) {
            throw Native.failure("pread", fdSubject(fd));
        }
        return n;
    }

    /**
     * {@code pwrite(2)} of {@code data} at {@code offset}. On an {@code O_APPEND} descriptor Linux appends and
     * ignores the offset.
     */
    public static long pwrite(int fd, MemorySegment data, long offset) throws PosixException {
        long n;
        try {
            n = (long) Pwrite.HANDLE.invokeExact(Native.errnoState(), fd, data, data.byteSize(), offset);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (n < 0) {
            throw Native.failure("pwrite", fdSubject(fd));
        }
        return n;
    }

    /** Reads until {@code buffer} is full or end of file: a regular file's short reads only mean EOF or a signal. */
    public static long preadFully(int fd, MemorySegment buffer, long offset) throws PosixException {
        long done = 0;
        long size = buffer.byteSize();
        while (done < size) {
            long n = pread(fd, buffer.asSlice(done), offset + done);
            if (n == 0) {
                break;
            }
            done += n;
        }
        return done;
    }

    /** Writes all of {@code data} at {@code offset}, continuing after short writes. */
    public static long pwriteFully(int fd, MemorySegment data, long offset) throws PosixException {
        long done = 0;
        long size = data.byteSize();
        while (done < size) {
            done += pwrite(fd, data.asSlice(done), offset + done);
        }
        return done;
    }

    public static void fsync(int fd) throws PosixException {
        int rc;
        try {
            rc = (int) Fsync.HANDLE.invokeExact(Native.errnoState(), fd);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("fsync", fdSubject(fd));
        }
    }

    /**
     * {@code fdatasync(2)} when {@code dataOnly}, else {@code fsync(2)}: the choice FUSE's {@code FSYNC} and
     * {@code FSYNCDIR} requests carry in their {@code datasync} flag.
     */
    public static void fsync(int fd, boolean dataOnly) throws PosixException {
        if (dataOnly) {
            fdatasync(fd);
        } else {
            fsync(fd);
        }
    }

    /** {@code syncfs(2)}: writes back the whole file system {@code fd} is on. */
    public static void syncfs(int fd) throws PosixException {
        int rc;
        try {
            rc = (int) Syncfs.HANDLE.invokeExact(Native.errnoState(), fd);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("syncfs", fdSubject(fd));
        }
    }

    public static void fdatasync(int fd) throws PosixException {
        int rc;
        try {
            rc = (int) Fdatasync.HANDLE.invokeExact(Native.errnoState(), fd);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("fdatasync", fdSubject(fd));
        }
    }

    public static void ftruncate(int fd, long length) throws PosixException {
        int rc;
        try {
            rc = (int) Ftruncate.HANDLE.invokeExact(Native.errnoState(), fd, length);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("ftruncate", fdSubject(fd));
        }
    }

    /** {@code truncate(2)} by path (follows symlinks): for an {@code O_PATH} node, pass {@link #procFdPath}. */
    public static void truncate(String path, long length) throws PosixException {
        MemorySegment p = Scratch.get().cString(0, path, "truncate");
        int rc;
        try {
            rc = (int) Truncate.HANDLE.invokeExact(Native.errnoState(), p, length);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("truncate", path);
        }
    }

    /** {@code fallocate(2)}; {@code mode} is 0 or {@code FALLOC_FL_*}, e.g. {@code PUNCH_HOLE | KEEP_SIZE}. */
    public static void fallocate(int fd, int mode, long offset, long length) throws PosixException {
        int rc;
        try {
            rc = (int) Fallocate.HANDLE.invokeExact(Native.errnoState(), fd, mode, offset, length);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("fallocate", fdSubject(fd));
        }
    }

    /** {@code lseek(2)}, including {@code SEEK_DATA}/{@code SEEK_HOLE} ({@code ENXIO} past the last data). */
    public static long lseek(int fd, long offset, int whence) throws PosixException {
        long position;
        try {
            position = (long) Lseek.HANDLE.invokeExact(Native.errnoState(), fd, offset, whence);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (position < 0) {
            throw Native.failure("lseek", fdSubject(fd));
        }
        return position;
    }

    /** {@code copy_file_range(2)} between explicit offsets (the descriptors' file positions stay untouched). */
    public static long copyFileRange(int fdIn, long offsetIn, int fdOut, long offsetOut, long length, int flags)
            throws PosixException {
        MemorySegment offsets = Scratch.get().longs;
        offsets.set(JAVA_LONG, 0, offsetIn);
        offsets.set(JAVA_LONG, 8, offsetOut);
        long n;
        try {
            n = (long) CopyFileRange.HANDLE.invokeExact(Native.errnoState(), fdIn, offsets, fdOut,
                    offsets.asSlice(8, 8), length, flags);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (n < 0) {
            throw Native.failure("copy_file_range", fdSubject(fdIn) + " -> " + fdSubject(fdOut));
        }
        return n;
    }

    // ------------------------------------------------------------------------------------------------ directories

    /** Receives the entries of a {@link #readDirectory} batch. */
    @FunctionalInterface
    public interface DirentVisitor {
        /**
         * @param inode {@code d_ino}
         * @param nextOffset {@code d_off}: the cookie that resumes the listing after this entry ({@code lseek})
         * @param type {@code d_type}, a {@code DT_*} value
         * @return {@code false} to stop before the next entry
         */
        boolean visit(long inode, long nextOffset, int type, String name);
    }

    /** Receives the entries of a batch with each name as the bytes the kernel gave ({@link #visitDirentNames}). */
    @FunctionalInterface
    public interface DirentNameVisitor {
        /**
         * @param name the name's bytes (1 to 255, neither {@code '/'} nor NUL), a slice of the batch: read it during
         *        the call only
         * @return {@code false} to stop before the next entry
         */
        boolean visit(long inode, long nextOffset, int type, MemorySegment name);
    }

    /** {@code getdents64(2)} into {@code buffer}: the number of bytes of {@code linux_dirent64} records, 0 at end. */
    public static long getdents64(int fd, MemorySegment buffer) throws PosixException {
        long n;
        try {
            n = (long) Getdents64.HANDLE.invokeExact(Native.errnoState(), fd, buffer, buffer.byteSize());
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (n < 0) {
            throw Native.failure("getdents64", fdSubject(fd));
        }
        return n;
    }

    /**
     * Reads one {@code getdents64} batch of the directory {@code fd} into {@code buffer} and passes each entry to
     * {@code visitor}, in order.
     *
     * <p>The directory's position is the kernel's: to list from a cookie, {@code lseek(fd, cookie, SEEK_SET)}
     * first (0 = start). When the visitor stops early the descriptor's position is past the unvisited entries, so
     * seek to the last accepted entry's {@code nextOffset} before reading on. A buffer of 32 KiB holds a few
     * hundred entries; it must hold at least one (280 bytes).
     *
     * @return {@code true} if every entry of a non-empty batch was visited (read on for more), {@code false} at end
     *         of directory or when the visitor stopped
     */
    public static boolean readDirectory(int fd, MemorySegment buffer, DirentVisitor visitor) throws PosixException {
        long length = getdents64(fd, buffer);
        return visitDirents(buffer, 0, length, visitor) == length && length > 0;
    }

    /**
     * Visits the {@code linux_dirent64} records a {@link #getdents64} left in {@code buffer[start, end)}, in order,
     * until the visitor declines one: for callers that keep a batch and hand it out over several calls.
     *
     * @return the position of the first record not visited ({@code end} when all were)
     */
    public static long visitDirents(MemorySegment buffer, long start, long end, DirentVisitor visitor) {
        return start + visitDirents(heapBatch(buffer, start, end), 0, Math.toIntExact(end - start), visitor);
    }

    /** {@link #visitDirents(MemorySegment, long, long, DirentVisitor)} over a batch copied to the heap. */
    public static int visitDirents(byte[] batch, int start, int end, DirentVisitor visitor) {
        int position = start;
        while (position < end) {
            int nameStart = position + DIRENT_NAME;
            int nameLength = direntNameLength(batch, position);
            if (!visitor.visit(HeapBytes.getLong(batch, position + DIRENT_INO),
                    HeapBytes.getLong(batch, position + DIRENT_OFF), batch[position + DIRENT_TYPE] & 0xFF,
                    FileNames.decode(batch, nameStart, nameLength))) {
                return position;
            }
            position += direntLength(batch, position);
        }
        return position;
    }

    /**
     * {@link #visitDirents} without decoding the names: for a caller that passes them on as bytes (a listing
     * relayed to the kernel), which spares a {@code String} per entry.
     */
    public static long visitDirentNames(MemorySegment buffer, long start, long end, DirentNameVisitor visitor) {
        return start + visitDirentNames(heapBatch(buffer, start, end), 0, Math.toIntExact(end - start), visitor);
    }

    /**
     * {@link #visitDirentNames(MemorySegment, long, long, DirentNameVisitor)} over a batch copied to the heap
     * ({@code MemorySegment.copy} of the bytes {@link #getdents64} returned), each name a slice of {@code batch}.
     *
     * <p>Why the heap: a fresh JVM runs its first listing of a big directory in the interpreter, where each field
     * read from a native segment goes through a chain of var handle calls, and per entry there are a dozen (four
     * fields, the name byte by byte up to its NUL); plain array reads cost a few bytecodes each. Measured on 10,000
     * entries, decoding and re-encoding them in a fresh JVM: 43 ms from the native batch, 20 ms from the heap; both
     * about 5 ms once compiled.
     *
     * @return the position of the first record not visited ({@code end} when all were)
     */
    public static int visitDirentNames(byte[] batch, int start, int end, DirentNameVisitor visitor) {
        MemorySegment names = MemorySegment.ofArray(batch);
        int position = start;
        while (position < end) {
            if (!visitor.visit(HeapBytes.getLong(batch, position + DIRENT_INO),
                    HeapBytes.getLong(batch, position + DIRENT_OFF), batch[position + DIRENT_TYPE] & 0xFF,
                    names.asSlice(position + DIRENT_NAME, direntNameLength(batch, position)))) {
                return position;
            }
            position += direntLength(batch, position);
        }
        return position;
    }

    private static final int DIRENT_INO = (int) Structs.D_INO;
    private static final int DIRENT_OFF = (int) Structs.D_OFF;
    private static final int DIRENT_RECLEN = (int) Structs.D_RECLEN;
    private static final int DIRENT_TYPE = (int) Structs.D_TYPE;
    private static final int DIRENT_NAME = (int) Structs.D_NAME;

    private static byte[] heapBatch(MemorySegment buffer, long start, long end) {
        byte[] batch = new byte[Math.toIntExact(end - start)];
        MemorySegment.copy(buffer, JAVA_BYTE, start, batch, 0, batch.length);
        return batch;
    }

    /** {@code d_reclen} of the record at {@code position}. */
    private static int direntLength(byte[] batch, int position) {
        return HeapBytes.getUnsignedShort(batch, position + DIRENT_RECLEN);
    }

    /** The name's length: it ends at its NUL; the record's padding after it is not cleared by the kernel (filldir64). */
    private static int direntNameLength(byte[] batch, int position) {
        int nameStart = position + DIRENT_NAME;
        int recordEnd = position + direntLength(batch, position);
        int nameEnd = nameStart;
        while (nameEnd < recordEnd && batch[nameEnd] != 0) {
            nameEnd++;
        }
        return nameEnd - nameStart;
    }

    // ------------------------------------------------------------------------------------------------ names

    /** {@code readlinkat(2)}: the symlink's target as stored. {@code ""} with an {@code O_PATH} fd of the link. */
    public static String readlinkat(int dirfd, String path) throws PosixException {
        Scratch scratch = Scratch.get();
        MemorySegment p = scratch.cString(0, path, "readlinkat");
        MemorySegment target = scratch.path1;
        long n;
        try {
            n = (long) Readlinkat.HANDLE.invokeExact(Native.errnoState(), dirfd, p, target, target.byteSize());
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (n < 0) {
            throw Native.failure("readlinkat", path);
        }
        // A target fills at most PATH_MAX - 1 bytes, so n == byteSize() cannot be a truncated one.
        return FileNames.decode(target, 0, (int) n);
    }

    public static void mkdirat(int dirfd, String path, int mode) throws PosixException {
        MemorySegment p = Scratch.get().cString(0, path, "mkdirat");
        int rc;
        try {
            rc = (int) Mkdirat.HANDLE.invokeExact(Native.errnoState(), dirfd, p, mode);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("mkdirat", path);
        }
    }

    /** {@code mknodat(2)}: {@code mode} carries the type ({@code S_IFIFO}, {@code S_IFCHR}…); {@code dev} see {@link Linux#makedev}. */
    public static void mknodat(int dirfd, String path, int mode, long dev) throws PosixException {
        MemorySegment p = Scratch.get().cString(0, path, "mknodat");
        int rc;
        try {
            rc = (int) Mknodat.HANDLE.invokeExact(Native.errnoState(), dirfd, p, mode, dev);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("mknodat", path);
        }
    }

    /** {@code symlinkat(target, dirfd, path)}: creates {@code path} pointing at {@code target} (stored verbatim). */
    public static void symlinkat(String target, int dirfd, String path) throws PosixException {
        Scratch scratch = Scratch.get();
        MemorySegment t = scratch.cString(1, target, "symlinkat");
        MemorySegment p = scratch.cString(0, path, "symlinkat");
        int rc;
        try {
            rc = (int) Symlinkat.HANDLE.invokeExact(Native.errnoState(), t, dirfd, p);
        } catch (Throwable e) {
            throw Native.unexpected(e);
        }
        if (rc < 0) {
            throw Native.failure("symlinkat", path);
        }
    }

    /**
     * {@code linkat(2)}. With {@code AT_EMPTY_PATH} and {@code oldPath = ""}, links the file {@code oldDirfd}
     * refers to (an {@code O_PATH} fd works; needs {@code CAP_DAC_READ_SEARCH}).
     */
    public static void linkat(int oldDirfd, String oldPath, int newDirfd, String newPath, int flags)
            throws PosixException {
        Scratch scratch = Scratch.get();
        MemorySegment from = scratch.cString(0, oldPath, "linkat");
        MemorySegment to = scratch.cString(1, newPath, "linkat");
        int rc;
        try {
            rc = (int) Linkat.HANDLE.invokeExact(Native.errnoState(), oldDirfd, from, newDirfd, to, flags);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("linkat", oldPath + " -> " + newPath);
        }
    }

    /** {@code unlinkat(2)}; {@code AT_REMOVEDIR} removes an empty directory. */
    public static void unlinkat(int dirfd, String path, int flags) throws PosixException {
        MemorySegment p = Scratch.get().cString(0, path, "unlinkat");
        int rc;
        try {
            rc = (int) Unlinkat.HANDLE.invokeExact(Native.errnoState(), dirfd, p, flags);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("unlinkat", path);
        }
    }

    /** {@code renameat2(2)}; {@code flags}: 0 or {@code RENAME_NOREPLACE}, {@code RENAME_EXCHANGE}, {@code RENAME_WHITEOUT}. */
    public static void renameat2(int oldDirfd, String oldPath, int newDirfd, String newPath, int flags)
            throws PosixException {
        Scratch scratch = Scratch.get();
        MemorySegment from = scratch.cString(0, oldPath, "renameat2");
        MemorySegment to = scratch.cString(1, newPath, "renameat2");
        int rc;
        try {
            rc = (int) Renameat2.HANDLE.invokeExact(Native.errnoState(), oldDirfd, from, newDirfd, to, flags);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("renameat2", oldPath + " -> " + newPath);
        }
    }

    // ------------------------------------------------------------------------------------- mode, owner, times

    public static void fchmod(int fd, int mode) throws PosixException {
        int rc;
        try {
            rc = (int) Fchmod.HANDLE.invokeExact(Native.errnoState(), fd, mode);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("fchmod", fdSubject(fd));
        }
    }

    /** glibc {@code fchmodat(3)} (follows symlinks unless {@code AT_SYMLINK_NOFOLLOW}). */
    public static void fchmodat(int dirfd, String path, int mode, int flags) throws PosixException {
        MemorySegment p = Scratch.get().cString(0, path, "fchmodat");
        int rc;
        try {
            rc = (int) Fchmodat.HANDLE.invokeExact(Native.errnoState(), dirfd, p, mode, flags);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("fchmodat", path);
        }
    }

    /**
     * The {@code fchmodat2} system call (Linux 6.6): like fchmodat, but also takes {@code AT_EMPTY_PATH} (with
     * {@code ""}: chmod of an {@code O_PATH} fd) and {@code AT_SYMLINK_NOFOLLOW} natively.
     */
    public static void fchmodat2(int dirfd, String path, int mode, int flags) throws PosixException {
        MemorySegment p = Scratch.get().cString(0, path, "fchmodat2");
        long rc;
        try {
            rc = (long) SyscallLPLL.HANDLE.invokeExact(Native.errnoState(), Linux.SYS_FCHMODAT2, (long) dirfd, p,
                    (long) mode, (long) flags);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("fchmodat2", path);
        }
    }

    /** {@code fchown(2)}; -1 leaves the uid or gid unchanged. */
    public static void fchown(int fd, int uid, int gid) throws PosixException {
        int rc;
        try {
            rc = (int) Fchown.HANDLE.invokeExact(Native.errnoState(), fd, uid, gid);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("fchown", fdSubject(fd));
        }
    }

    /** {@code fchownat(2)}; {@code AT_EMPTY_PATH} with {@code ""} chowns an {@code O_PATH} fd. -1 = unchanged. */
    public static void fchownat(int dirfd, String path, int uid, int gid, int flags) throws PosixException {
        MemorySegment p = Scratch.get().cString(0, path, "fchownat");
        int rc;
        try {
            rc = (int) Fchownat.HANDLE.invokeExact(Native.errnoState(), dirfd, p, uid, gid, flags);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("fchownat", path);
        }
    }

    /**
     * {@code utimensat(2)}. Each time is seconds plus nanoseconds, where the nanoseconds may be
     * {@link Linux#UTIME_NOW} or {@link Linux#UTIME_OMIT}. {@code AT_EMPTY_PATH} with {@code ""} changes
     * {@code dirfd} itself, also an {@code O_PATH} fd.
     */
    public static void utimensat(int dirfd, String path, long atimeSeconds, long atimeNanos, long mtimeSeconds,
            long mtimeNanos, int flags) throws PosixException {
        Scratch scratch = Scratch.get();
        MemorySegment p = scratch.cString(0, path, "utimensat");
        MemorySegment times = timespecs(scratch, atimeSeconds, atimeNanos, mtimeSeconds, mtimeNanos);
        int rc;
        try {
            rc = (int) Utimensat.HANDLE.invokeExact(Native.errnoState(), dirfd, p, times, flags);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("utimensat", path);
        }
    }

    /**
     * {@code utimensat(2)} with the times a {@code setattr} asks for: {@code null} leaves a time as it is
     * ({@code UTIME_OMIT}), {@link TimeSpec#NOW} stamps the host's current time ({@code UTIME_NOW}).
     */
    public static void utimensat(int dirfd, String path, TimeSpec atime, TimeSpec mtime, int flags)
            throws PosixException {
        utimensat(dirfd, path, seconds(atime), nanos(atime), seconds(mtime), nanos(mtime), flags);
    }

    private static long seconds(TimeSpec time) {
        return time == null || time.isNow() ? 0 : time.seconds();
    }

    private static long nanos(TimeSpec time) {
        return time == null ? Linux.UTIME_OMIT : time.isNow() ? Linux.UTIME_NOW : time.nanos();
    }

    /** {@code futimens(3)}: as {@link #utimensat} on an open (not {@code O_PATH}) descriptor. */
    public static void futimens(int fd, long atimeSeconds, long atimeNanos, long mtimeSeconds, long mtimeNanos)
            throws PosixException {
        MemorySegment times = timespecs(Scratch.get(), atimeSeconds, atimeNanos, mtimeSeconds, mtimeNanos);
        int rc;
        try {
            rc = (int) Futimens.HANDLE.invokeExact(Native.errnoState(), fd, times);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("futimens", fdSubject(fd));
        }
    }

    private static MemorySegment timespecs(Scratch scratch, long atimeSeconds, long atimeNanos, long mtimeSeconds,
            long mtimeNanos) {
        MemorySegment times = scratch.times;
        times.set(JAVA_LONG, 0, atimeSeconds);
        times.set(JAVA_LONG, 8, atimeNanos);
        times.set(JAVA_LONG, 16, mtimeSeconds);
        times.set(JAVA_LONG, 24, mtimeNanos);
        return times;
    }

    // ------------------------------------------------------------------------------------------------- xattrs

    /**
     * {@code fgetxattr(2)}: the value's size; an empty {@code value} asks only for the size.
     * {@code ENODATA} without the attribute, {@code ERANGE} when {@code value} is too small.
     */
    public static int fgetxattr(int fd, String name, MemorySegment value) throws PosixException {
        MemorySegment n = Scratch.get().cString(1, name, "fgetxattr");
        long size;
        try {
            size = (long) Fgetxattr.HANDLE.invokeExact(Native.errnoState(), fd, n, buffer(value), value.byteSize());
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (size < 0) {
            throw Native.failure("fgetxattr", fdSubject(fd) + " " + name);
        }
        return (int) size;
    }

    /** {@code fsetxattr(2)}; {@code flags}: 0, {@code XATTR_CREATE} or {@code XATTR_REPLACE}. */
    public static void fsetxattr(int fd, String name, MemorySegment value, int flags) throws PosixException {
        MemorySegment n = Scratch.get().cString(1, name, "fsetxattr");
        int rc;
        try {
            rc = (int) Fsetxattr.HANDLE.invokeExact(Native.errnoState(), fd, n, buffer(value), value.byteSize(), flags);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("fsetxattr", fdSubject(fd) + " " + name);
        }
    }

    /** {@code flistxattr(2)}: NUL-terminated names into {@code list}; its size only when {@code list} is empty. */
    public static int flistxattr(int fd, MemorySegment list) throws PosixException {
        long size;
        try {
            size = (long) Flistxattr.HANDLE.invokeExact(Native.errnoState(), fd, buffer(list), list.byteSize());
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (size < 0) {
            throw Native.failure("flistxattr", fdSubject(fd));
        }
        return (int) size;
    }

    public static void fremovexattr(int fd, String name) throws PosixException {
        MemorySegment n = Scratch.get().cString(1, name, "fremovexattr");
        int rc;
        try {
            rc = (int) Fremovexattr.HANDLE.invokeExact(Native.errnoState(), fd, n);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("fremovexattr", fdSubject(fd) + " " + name);
        }
    }

    /** {@code getxattr(2)} by path, following symlinks ({@code /proc/self/fd/N} reaches an O_PATH fd's file). */
    public static int getxattr(String path, String name, MemorySegment value) throws PosixException {
        return pathGetxattr(Getxattr.HANDLE, "getxattr", path, name, value);
    }

    /** {@code lgetxattr(2)}: like {@link #getxattr} on a symlink itself. */
    public static int lgetxattr(String path, String name, MemorySegment value) throws PosixException {
        return pathGetxattr(Lgetxattr.HANDLE, "lgetxattr", path, name, value);
    }

    public static void setxattr(String path, String name, MemorySegment value, int flags) throws PosixException {
        pathSetxattr(Setxattr.HANDLE, "setxattr", path, name, value, flags);
    }

    public static void lsetxattr(String path, String name, MemorySegment value, int flags) throws PosixException {
        pathSetxattr(Lsetxattr.HANDLE, "lsetxattr", path, name, value, flags);
    }

    public static int listxattr(String path, MemorySegment list) throws PosixException {
        return pathListxattr(Listxattr.HANDLE, "listxattr", path, list);
    }

    public static int llistxattr(String path, MemorySegment list) throws PosixException {
        return pathListxattr(Llistxattr.HANDLE, "llistxattr", path, list);
    }

    public static void removexattr(String path, String name) throws PosixException {
        pathRemovexattr(Removexattr.HANDLE, "removexattr", path, name);
    }

    public static void lremovexattr(String path, String name) throws PosixException {
        pathRemovexattr(Lremovexattr.HANDLE, "lremovexattr", path, name);
    }

    private static int pathGetxattr(MethodHandle handle, String call, String path, String name, MemorySegment value)
            throws PosixException {
        Scratch scratch = Scratch.get();
        MemorySegment p = scratch.cString(0, path, call);
        MemorySegment n = scratch.cString(1, name, call);
        long size;
        try {
            size = (long) handle.invokeExact(Native.errnoState(), p, n, buffer(value), value.byteSize());
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (size < 0) {
            throw Native.failure(call, path + " " + name);
        }
        return (int) size;
    }

    private static void pathSetxattr(MethodHandle handle, String call, String path, String name, MemorySegment value,
            int flags) throws PosixException {
        Scratch scratch = Scratch.get();
        MemorySegment p = scratch.cString(0, path, call);
        MemorySegment n = scratch.cString(1, name, call);
        int rc;
        try {
            rc = (int) handle.invokeExact(Native.errnoState(), p, n, buffer(value), value.byteSize(), flags);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure(call, path + " " + name);
        }
    }

    private static int pathListxattr(MethodHandle handle, String call, String path, MemorySegment list)
            throws PosixException {
        MemorySegment p = Scratch.get().cString(0, path, call);
        long size;
        try {
            size = (long) handle.invokeExact(Native.errnoState(), p, buffer(list), list.byteSize());
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (size < 0) {
            throw Native.failure(call, path);
        }
        return (int) size;
    }

    private static void pathRemovexattr(MethodHandle handle, String call, String path, String name)
            throws PosixException {
        Scratch scratch = Scratch.get();
        MemorySegment p = scratch.cString(0, path, call);
        MemorySegment n = scratch.cString(1, name, call);
        int rc;
        try {
            rc = (int) handle.invokeExact(Native.errnoState(), p, n);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure(call, path + " " + name);
        }
    }

    /** An empty segment travels as NULL, so size queries work with any empty segment, even a heap one. */
    private static MemorySegment buffer(MemorySegment segment) {
        return segment.byteSize() == 0 ? MemorySegment.NULL : segment;
    }

    // -------------------------------------------------------------------------------------------- credentials

    /** {@code umask(2)}: sets the process's umask, answers the previous one. */
    public static int umask(int mask) {
        try {
            return (int) Umask.HANDLE.invokeExact(mask);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /**
     * {@code setfsuid(2)}: the calling thread's file system uid (the kernel's credentials are per thread, and
     * glibc does not broadcast this call). Answers the previous value whether or not the change succeeded; pass
     * -1 to read it. See {@link FsCredentials} for the checked, restoring form.
     */
    public static int setfsuid(int uid) {
        try {
            return (int) Setfsuid.HANDLE.invokeExact(uid);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** {@code setfsgid(2)}: as {@link #setfsuid}, for the group. */
    public static int setfsgid(int gid) {
        try {
            return (int) Setfsgid.HANDLE.invokeExact(gid);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /**
     * The calling thread's supplementary groups ({@code getgroups(2)} as the raw system call, which reads the
     * thread's own credentials).
     */
    public static int[] threadGroups() throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            long count = groupsCall(Linux.SYS_GETGROUPS, 0, MemorySegment.NULL, "getgroups");
            MemorySegment list = arena.allocate(JAVA_INT, Math.max(1, count));
            count = groupsCall(Linux.SYS_GETGROUPS, count, list, "getgroups");
            return list.asSlice(0, count * JAVA_INT.byteSize()).toArray(JAVA_INT);
        }
    }

    /**
     * Sets the calling thread's supplementary groups, and only the calling thread's: the raw
     * {@code setgroups(2)} system call, not glibc's wrapper, which changes every thread of the process. Needs
     * {@code CAP_SETGID}. See {@link FsCredentials#assume(int, int, int[])} for the restoring form.
     *
     * @throws PosixException EPERM without the capability, EINVAL for more than {@link Linux#NGROUPS_MAX}
     */
    public static void setThreadGroups(int[] groups) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment list = groups.length == 0 ? MemorySegment.NULL : arena.allocateFrom(JAVA_INT, groups);
            groupsCall(Linux.SYS_SETGROUPS, groups.length, list, "setgroups");
        }
    }

    private static long groupsCall(long number, long count, MemorySegment list, String name) throws PosixException {
        long rc;
        try {
            rc = (long) SyscallLP.HANDLE.invokeExact(Native.errnoState(), number, count, list);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure(name, count + " groups");
        }
        return rc;
    }

    public static int getuid() {
        try {
            return (int) Getuid.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    public static int geteuid() {
        try {
            return (int) Geteuid.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    public static int getgid() {
        try {
            return (int) Getgid.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    public static int getegid() {
        try {
            return (int) Getegid.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    // ------------------------------------------------------------------------------------------- resource limits

    /** {@code getrlimit(2)} of {@code resource} (e.g. {@link Linux#RLIMIT_NOFILE}). */
    public static ResourceLimit getrlimit(int resource) throws PosixException {
        MemorySegment limit = Scratch.get().longs;
        int rc;
        try {
            rc = (int) Getrlimit.HANDLE.invokeExact(Native.errnoState(), resource, limit);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("getrlimit", "resource " + resource);
        }
        return new ResourceLimit(limit.get(JAVA_LONG, 0), limit.get(JAVA_LONG, 8));
    }

    /** {@code setrlimit(2)}: raising the soft limit up to the hard one needs no privilege. */
    public static void setrlimit(int resource, ResourceLimit limit) throws PosixException {
        MemorySegment l = Scratch.get().longs;
        l.set(JAVA_LONG, 0, limit.soft());
        l.set(JAVA_LONG, 8, limit.hard());
        int rc;
        try {
            rc = (int) Setrlimit.HANDLE.invokeExact(Native.errnoState(), resource, l);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (rc < 0) {
            throw Native.failure("setrlimit", "resource " + resource + " to " + limit);
        }
    }

    private static String fdSubject(int fd) {
        return "fd " + fd;
    }

    /** For tests: the struct layouts the wrappers use. */
    static MemoryLayout[] layouts() {
        return new MemoryLayout[] {Structs.STAT, Structs.STATFS, Structs.OPEN_HOW, Structs.DIRENT64};
    }
}
