package fuse.channel.internal;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.Errno;

/**
 * The session's original {@code /dev/fuse} descriptor as used outside the reader loop (backing-file ioctls and
 * notifications), guarded so that it is never used after it was closed: a closed descriptor number can be reused
 * by an unrelated open at any moment, and a notification written there would corrupt another file.
 */
final class SessionDevice {
    private static final Logger LOG = LoggerFactory.getLogger(SessionDevice.class);

    /** A call on the descriptor; returns 0 or a non-negative result, or {@code -errno}. */
    interface Call {
        long apply(int fd);
    }

    private final int fd;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    SessionDevice(int fd) {
        this.fd = fd;
    }

    int fd() {
        return fd;
    }

    /** Runs {@code call} on the descriptor; {@code -ENODEV} once it is closed. */
    long use(Call call) {
        lock.readLock().lock();
        try {
            return closed ? -Errno.ENODEV.code() : call.apply(fd);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Closes the descriptor once no call is using it. A call stuck in the kernel for longer than
     * {@code timeoutMillis} leaves the descriptor open (leaked, and logged) rather than risk its reuse.
     */
    void close(long timeoutMillis) {
        try {
            if (!lock.writeLock().tryLock(timeoutMillis, TimeUnit.MILLISECONDS)) {
                LOG.error("/dev/fuse descriptor {} is still in use after {} ms: left open", fd, timeoutMillis);
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.error("interrupted while closing /dev/fuse descriptor {}: left open", fd);
            return;
        }
        try {
            if (!closed) {
                closed = true;
                Errno error = LinuxCalls.close(fd);
                if (error != null) {
                    LOG.warn("close of /dev/fuse descriptor {} failed: {}", fd, error);
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** For ioctls whose argument lives in {@code argument}. */
    long ioctl(int request, MemorySegment argument) {
        return use(fd -> LinuxCalls.ioctl(fd, request, argument));
    }
}
