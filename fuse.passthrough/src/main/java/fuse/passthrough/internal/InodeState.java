package fuse.passthrough.internal;

import fuse.passthrough.OpenMode;

/**
 * One inode's live opens by mode and its backing id. Guarded by its own monitor; {@link #removed} marks a state
 * that left the manager's map, so that a thread that fetched it just before must fetch a fresh one.
 */
final class InodeState {
    final long nodeId;
    int backingId;
    int passthroughOpens;
    int servedBackedOpens;
    int cachedOpens;
    int directOpens;
    boolean removed;

    InodeState(long nodeId) {
        this.nodeId = nodeId;
    }

    OpenPolicy.InodeOpens opens() {
        return new OpenPolicy.InodeOpens(passthroughOpens + servedBackedOpens, cachedOpens, directOpens);
    }

    void count(OpenMode mode, int delta) {
        switch (mode) {
            case PASSTHROUGH -> passthroughOpens += delta;
            case PASSTHROUGH_SERVED -> servedBackedOpens += delta;
            case CACHED -> cachedOpens += delta;
            case DIRECT -> directOpens += delta;
        }
        if (passthroughOpens < 0 || servedBackedOpens < 0 || cachedOpens < 0 || directOpens < 0) {
            throw new IllegalStateException("open count below zero for node " + nodeId + ": " + this);
        }
    }

    boolean backedOpensGone() {
        return passthroughOpens == 0 && servedBackedOpens == 0;
    }

    boolean idle() {
        return backedOpensGone() && cachedOpens == 0 && directOpens == 0;
    }

    @Override
    public String toString() {
        return "node " + nodeId + " id " + backingId + " opens pt=" + passthroughOpens + " pt-served="
                + servedBackedOpens + " cached=" + cachedOpens + " direct=" + directOpens;
    }
}
