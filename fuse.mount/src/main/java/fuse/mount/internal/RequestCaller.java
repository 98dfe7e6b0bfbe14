package fuse.mount.internal;

import fuse.api.Caller;
import fuse.channel.RequestHeader;

/** The SPI's view of who sent a request. */
record RequestCaller(RequestHeader header, int umask) implements Caller {
    RequestCaller(RequestHeader header) {
        this(header, 0);
    }

    @Override
    public int uid() {
        return header.uid();
    }

    @Override
    public int gid() {
        return header.gid();
    }

    @Override
    public int pid() {
        return header.pid();
    }

    @Override
    public boolean interrupted() {
        return header.interrupted();
    }
}
