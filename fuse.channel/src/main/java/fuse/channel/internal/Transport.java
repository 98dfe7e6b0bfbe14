package fuse.channel.internal;

import java.lang.foreign.MemorySegment;

/**
 * Where a reader thread's replies go: the {@code /dev/fuse} descriptor the request came from, or a capture in unit
 * tests.
 */
interface Transport {
    /**
     * Writes one complete message (out header and payload, {@code length} bytes from the start of
     * {@code message}) in a single system call.
     *
     * @return 0, or the errno of the failed write (ENOENT: the request is gone; ENODEV: the connection is gone)
     */
    int write(MemorySegment message, long length);
}
