package fuse.mount.internal;

import fuse.api.Caller;

/** The identity that opened a file, kept to open it again on another binding as the same caller. */
record Opener(int uid, int gid, int pid) implements Caller {
    static Opener of(Caller caller) {
        return new Opener(caller.uid(), caller.gid(), caller.pid());
    }

    @Override
    public int umask() {
        return 0;
    }

    @Override
    public boolean interrupted() {
        return false;
    }
}
