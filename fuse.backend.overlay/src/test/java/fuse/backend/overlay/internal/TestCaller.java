package fuse.backend.overlay.internal;

import fuse.api.Caller;
import fuse.posix.Posix;

/** A caller for driving the SPI directly: root with the process's umask, so modes match host-side calls. */
record TestCaller(int uid, int gid, int pid, int umask) implements Caller {
    static final TestCaller ROOT = new TestCaller(0, 0, (int) ProcessHandle.current().pid(), processUmask());

    @Override
    public boolean interrupted() {
        return false;
    }

    static int processUmask() {
        int mask = Posix.umask(022);
        Posix.umask(mask);
        return mask;
    }
}
