package fuse.backend.local.internal;

import fuse.api.Attributes;

/**
 * A directory's modification and change times: every entry added, removed or renamed on the host moves both. On
 * Linux 6.13+ (multigrain timestamps on ext4, xfs, btrfs, tmpfs) a change made after the times were read always
 * gets later ones, even within one clock tick, because reading them marks the inode for a fine-grained stamp.
 */
record ChangeStamp(long mtimeSeconds, int mtimeNanos, long ctimeSeconds, int ctimeNanos) {
    static ChangeStamp of(Attributes a) {
        return new ChangeStamp(a.mtimeSeconds(), a.mtimeNanos(), a.ctimeSeconds(), a.ctimeNanos());
    }

    /**
     * Written out: a record's generated equals runs through method handles whose profile every record of the JVM
     * shares; a directory's first open compares with {@code null}, which made the compiled code it is inlined into
     * trap and be compiled again in the middle of a tree walk.
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof ChangeStamp other && other.mtimeSeconds == mtimeSeconds && other.mtimeNanos == mtimeNanos
                && other.ctimeSeconds == ctimeSeconds && other.ctimeNanos == ctimeNanos;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(mtimeSeconds * 31 + mtimeNanos) * 31 + Long.hashCode(ctimeSeconds * 31 + ctimeNanos);
    }
}
