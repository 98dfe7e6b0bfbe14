package fuse.posix;

import fuse.api.Errno;

/**
 * The calling thread's file system uid and gid switched to a caller's for a scope, so that files are created with
 * the caller's ownership and permission checks ({@code AT_EACCESS}) are the caller's; restored by {@link #close}.
 *
 * <pre>{@code
 * try (FsCredentials as = FsCredentials.assume(caller.uid(), caller.gid())) {
 *     Posix.mkdirat(dirfd, name, mode);
 * }
 * }</pre>
 *
 * <p>The ids belong to the kernel thread, so use this on platform threads only: a virtual thread could move to
 * another carrier between the switch and the call, or leave its carrier switched. Supplementary groups stay the
 * server's. Switching from uid 0 to another uid drops the file system capabilities (e.g.
 * {@code CAP_DAC_OVERRIDE}) for the scope, as the kernel does for setfsuid.
 */
public final class FsCredentials implements AutoCloseable {
    private final int previousUid;
    private final int previousGid;
    private final Thread thread;

    private FsCredentials(int previousUid, int previousGid) {
        this.previousUid = previousUid;
        this.previousGid = previousGid;
        this.thread = Thread.currentThread();
    }

    /**
     * Switches the calling thread's fsuid/fsgid.
     *
     * @throws PosixException EPERM when the process may not take these ids (it is not root, …)
     * @throws IllegalStateException on a virtual thread
     */
    public static FsCredentials assume(int uid, int gid) throws PosixException {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("file system credentials are per kernel thread; not on a virtual thread");
        }
        int previousGid = Posix.setfsgid(gid);
        if (Posix.setfsgid(-1) != gid) {
            Posix.setfsgid(previousGid);
            throw new PosixException(Errno.EPERM, "setfsgid", String.valueOf(gid));
        }
        int previousUid = Posix.setfsuid(uid);
        if (Posix.setfsuid(-1) != uid) {
            Posix.setfsuid(previousUid);
            Posix.setfsgid(previousGid);
            throw new PosixException(Errno.EPERM, "setfsuid", String.valueOf(uid));
        }
        return new FsCredentials(previousUid, previousGid);
    }

    /** Restores the ids in force before {@link #assume}; on the thread that assumed them. */
    @Override
    public void close() {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("credentials restored on another thread than the one that assumed them");
        }
        Posix.setfsuid(previousUid);
        Posix.setfsgid(previousGid);
    }
}
