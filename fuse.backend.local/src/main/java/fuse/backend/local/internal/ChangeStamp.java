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
}
