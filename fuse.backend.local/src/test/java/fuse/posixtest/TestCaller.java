package fuse.posixtest;

import fuse.api.Caller;

/** A request's caller for driving a {@link fuse.api.FileSystem} directly. */
public record TestCaller(int uid, int gid, int pid, int umask) implements Caller {
    public static TestCaller root(int umask) {
        return new TestCaller(0, 0, (int) ProcessHandle.current().pid(), umask);
    }

    @Override
    public boolean interrupted() {
        return false;
    }
}
