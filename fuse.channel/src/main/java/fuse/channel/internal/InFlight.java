package fuse.channel.internal;

import fuse.channel.RequestHeader;

/** The header of a request being handled; {@link #interrupted} is set by whichever thread reads its INTERRUPT. */
final class InFlight implements RequestHeader {
    private final long unique;
    private final int opcode;
    private final long nodeId;
    private final int uid;
    private final int gid;
    private final int pid;
    private volatile boolean interrupted;

    InFlight(long unique, int opcode, long nodeId, int uid, int gid, int pid) {
        this.unique = unique;
        this.opcode = opcode;
        this.nodeId = nodeId;
        this.uid = uid;
        this.gid = gid;
        this.pid = pid;
    }

    @Override
    public long unique() {
        return unique;
    }

    @Override
    public int opcode() {
        return opcode;
    }

    @Override
    public long nodeId() {
        return nodeId;
    }

    @Override
    public int uid() {
        return uid;
    }

    @Override
    public int gid() {
        return gid;
    }

    @Override
    public int pid() {
        return pid;
    }

    @Override
    public boolean interrupted() {
        return interrupted;
    }

    void interrupt() {
        interrupted = true;
    }

    @Override
    public String toString() {
        return "request " + unique + " (opcode " + opcode + ", node " + nodeId + ", pid " + pid + ")";
    }
}
