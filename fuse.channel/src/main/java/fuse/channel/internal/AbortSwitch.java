package fuse.channel.internal;

import static fuse.posix.Linux.AT_FDCWD;
import static fuse.posix.Linux.O_CLOEXEC;
import static fuse.posix.Linux.O_WRONLY;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import fuse.posix.Posix;
import fuse.posix.PosixException;

/**
 * A connection's fusectl {@code abort} file, opened when the session starts, so that aborting (and so releasing
 * reader threads blocked in {@code read()}) needs no new descriptor: it works when the process's descriptor table
 * is full, which is when a stuck unmount most needs it. Falls back to {@link FuseControl#abort} when the file
 * could not be opened.
 */
final class AbortSwitch implements AutoCloseable {
    private static final MemorySegment ONE = Arena.global().allocateFrom("1").asSlice(0, 1);

    private final long connectionId;
    /** Guarded by {@code this}: a write never goes to a number closed (and maybe reused) meanwhile. */
    private int fd;

    private AbortSwitch(long connectionId, int fd) {
        this.connectionId = connectionId;
        this.fd = fd;
    }

    static AbortSwitch open(long connectionId) {
        int fd = -1;
        if (FuseControl.ensureMounted()) {
            try {
                fd = Posix.openat(AT_FDCWD, FuseControl.CONNECTIONS.resolve(Long.toString(connectionId))
                        .resolve("abort").toString(), O_WRONLY | O_CLOEXEC, 0);
            } catch (PosixException e) {
                // aborting then opens the file when needed
            }
        }
        return new AbortSwitch(connectionId, fd);
    }

    /** Aborts the connection; {@code false} if it no longer exists or cannot be aborted. */
    synchronized boolean pull() {
        if (fd < 0) {
            return FuseControl.abort(connectionId);
        }
        try {
            Posix.write(fd, ONE);
            return true;
        } catch (PosixException e) {
            return false; // ENODEV: the connection is gone already
        }
    }

    @Override
    public synchronized void close() {
        Posix.closeQuietly(fd);
        fd = -1;
    }
}
