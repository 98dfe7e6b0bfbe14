package fuse.mount.internal;

import java.util.concurrent.atomic.AtomicLong;

import fuse.channel.RequestHeader;

/** A request header as the channel would decode it. */
record FakeHeader(long unique, int opcode, long nodeId, int uid, int gid, int pid, boolean interrupted)
        implements RequestHeader {
    private static final AtomicLong UNIQUE = new AtomicLong(2);

    static FakeHeader of(int opcode, long nodeId) {
        return new FakeHeader(UNIQUE.getAndAdd(2), opcode, nodeId, 0, 0, 1, false);
    }

    static FakeHeader as(int uid, int opcode, long nodeId) {
        return new FakeHeader(UNIQUE.getAndAdd(2), opcode, nodeId, uid, uid, 1, false);
    }
}
