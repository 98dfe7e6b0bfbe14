package fuse.testkit;

import fuse.api.Caller;
import fuse.posix.Posix;

/** A request's caller for driving a {@link fuse.api.FileSystem} directly, as the mount would; never interrupted. */
public record TestCaller(int uid, int gid, int pid, int umask) implements Caller {

    /** Root in this process with the process's umask, so modes match what host-side calls create. */
    public static TestCaller root() {
        return root(processUmask());
    }

    /** Root in this process with {@code umask}. */
    public static TestCaller root(int umask) {
        return new TestCaller(0, 0, (int) ProcessHandle.current().pid(), umask);
    }

    /** The same caller as another user. */
    public TestCaller as(int newUid, int newGid) {
        return new TestCaller(newUid, newGid, pid, umask);
    }

    @Override
    public boolean interrupted() {
        return false;
    }

    /**
     * The process's umask, read once (by setting it and putting it back: not something to repeat while other
     * threads create files).
     */
    public static int processUmask() {
        return ProcessUmask.VALUE;
    }

    private static final class ProcessUmask {
        static final int VALUE = read();

        private static int read() {
            int mask = Posix.umask(022);
            Posix.umask(mask);
            return mask;
        }
    }
}
