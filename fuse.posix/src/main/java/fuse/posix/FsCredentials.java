package fuse.posix;

import fuse.api.Errno;

/**
 * The calling thread's file system uid and gid (and optionally its supplementary groups) switched to a caller's
 * for a scope, so that files are created with the caller's ownership and permission checks ({@code AT_EACCESS})
 * are the caller's; restored by {@link #close}.
 *
 * <pre>{@code
 * try (FsCredentials as = FsCredentials.assume(caller.uid(), caller.gid(), callerGroups)) {
 *     Posix.mkdirat(dirfd, name, mode);
 * }
 * }</pre>
 *
 * <p>The ids belong to the kernel thread, so use this on platform threads only: a virtual thread could move to
 * another carrier between the switch and the call, or leave its carrier switched. Without a group list the
 * supplementary groups stay the server's. Switching from uid 0 to another uid drops the file system capabilities
 * (e.g. {@code CAP_DAC_OVERRIDE}) for the scope, as the kernel does for setfsuid.
 */
public final class FsCredentials implements AutoCloseable {
    private final int previousUid;
    private final int previousGid;
    /** The groups to restore, or {@code null} when they were not changed. */
    private final int[] previousGroups;
    private final Thread thread;

    private FsCredentials(int previousUid, int previousGid, int[] previousGroups) {
        this.previousUid = previousUid;
        this.previousGid = previousGid;
        this.previousGroups = previousGroups;
        this.thread = Thread.currentThread();
    }

    /**
     * Switches the calling thread's fsuid/fsgid; its supplementary groups stay.
     *
     * @throws PosixException EPERM when the process may not take these ids (it is not root, …)
     * @throws IllegalStateException on a virtual thread
     */
    public static FsCredentials assume(int uid, int gid) throws PosixException {
        return assume(uid, gid, null);
    }

    /**
     * Switches the calling thread's fsuid/fsgid and, unless {@code groups} is {@code null}, its supplementary
     * groups (only this thread's: {@link Posix#setThreadGroups}), so that a permission check is the one the
     * caller would get, group memberships included.
     *
     * @throws PosixException EPERM when the process may not take these ids or groups (it is not root, …)
     * @throws IllegalStateException on a virtual thread
     */
    public static FsCredentials assume(int uid, int gid, int[] groups) throws PosixException {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("file system credentials are per kernel thread; not on a virtual thread");
        }
        int[] previousGroups = null;
        if (groups != null) {
            previousGroups = Posix.threadGroups();
            Posix.setThreadGroups(groups);
        }
        try {
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
            return new FsCredentials(previousUid, previousGid, previousGroups);
        } catch (PosixException | RuntimeException e) {
            if (previousGroups != null) {
                restoreGroups(previousGroups);
            }
            throw e;
        }
    }

    /** Restores the ids (and groups) in force before {@link #assume}; on the thread that assumed them. */
    @Override
    public void close() {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("credentials restored on another thread than the one that assumed them");
        }
        Posix.setfsuid(previousUid);
        Posix.setfsgid(previousGid);
        if (previousGroups != null) {
            restoreGroups(previousGroups);
        }
    }

    private static void restoreGroups(int[] groups) {
        try {
            Posix.setThreadGroups(groups);
        } catch (PosixException e) {
            // Only a thread that could set the caller's groups gets here, and it can set its own back.
            throw new IllegalStateException("could not restore the thread's supplementary groups", e);
        }
    }
}
