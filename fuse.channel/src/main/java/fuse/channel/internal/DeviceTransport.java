package fuse.channel.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import fuse.api.Errno;

/**
 * Writes messages to one {@code /dev/fuse} descriptor with {@code writev}: the kernel takes a message only whole,
 * from one call. Owns a one-entry iovec, so it is used by one thread at a time (its reader thread, or the
 * notifier under its lock).
 */
final class DeviceTransport implements Transport {
    /** {@code struct iovec}: {@code void *iov_base; size_t iov_len}. */
    private static final long IOV_BASE = 0;
    private static final long IOV_LEN = 8;
    private static final long IOVEC_SIZE = 16;

    private final int fd;
    private final MemorySegment iovec;
    private MemorySegment base;

    DeviceTransport(int fd, Arena arena) {
        this.fd = fd;
        this.iovec = arena.allocate(IOVEC_SIZE, 8);
    }

    int fd() {
        return fd;
    }

    @Override
    public int write(MemorySegment message, long length) {
        if (base != message) {
            // A reader's messages always start at its write buffer: the base is set once, only the length changes.
            iovec.set(ADDRESS, IOV_BASE, message);
            base = message;
        }
        iovec.set(JAVA_LONG, IOV_LEN, length);
        long written = LinuxCalls.writev(fd, iovec, 1);
        if (written < 0) {
            return (int) -written;
        }
        return written == length ? 0 : Errno.EIO.code();
    }
}
