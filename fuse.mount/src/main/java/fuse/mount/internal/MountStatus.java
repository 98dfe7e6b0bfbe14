package fuse.mount.internal;

import fuse.mount.MountState;

/**
 * A mount's state and its problem (what keeps it from serving, or the last change it rejected), written by its
 * lifecycle and its backend binding, read by anyone.
 */
final class MountStatus {
    private volatile MountState state = MountState.STARTING;
    private volatile String problem;

    MountState state() {
        return state;
    }

    void state(MountState next) {
        state = next;
    }

    /** The problem, or {@code null}. */
    String problem() {
        return problem;
    }

    void problem(String next) {
        problem = next;
    }
}
