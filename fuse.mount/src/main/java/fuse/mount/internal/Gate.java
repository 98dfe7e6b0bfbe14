package fuse.mount.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.channel.RequestHeader;

/**
 * Where requests pick up the binding that serves them. While a swap holds new requests back, a request waits at
 * most the configured time (polling its interrupt flag), then fails with EIO. While no backend is bound, the wait
 * is bounded by one deadline for the whole mount, set when it lost (or never had) its backend: a reader that retries
 * does not wait again and again, and once the deadline passed every request fails with EIO at once, until a backend
 * is bound again (so a deleted backend jar costs each caller at most {@code backend_wait}, not that per request). The fast
 * path takes no lock. It checks the gate again after acquiring the binding, because a swap that paused the gate
 * and found the old binding idle in between would otherwise bind the new one under a request still running on
 * the old one: that request's results (a created file's entry) would be refused with ESTALE after the backend
 * had done the work, and the caller would see an error a swap caused. Acquiring before checking again makes the
 * two meet: either the swap's idle check waits for the request, or the request sees the pause and waits.
 */
final class Gate {
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile Binding current;
    private volatile boolean paused;
    private volatile boolean shut;
    private volatile long waitNanos;
    /** When requests stop waiting for a backend ({@link System#nanoTime()}); meaningful while none is bound. */
    private volatile long backendDeadline;
    final LongAdder waits = new LongAdder();
    final LongAdder timeouts = new LongAdder();

    Gate(long waitNanos) {
        this.waitNanos = waitNanos;
        this.backendDeadline = System.nanoTime() + waitNanos;
    }

    void waitNanos(long nanos) {
        lock.lock();
        try {
            backendDeadline += nanos - waitNanos;
            waitNanos = nanos;
        } finally {
            lock.unlock();
        }
    }

    /**
     * While no backend is bound: how long requests still wait for one (zero once the deadline passed: they fail at
     * once). Empty while a backend is bound.
     */
    java.util.OptionalLong backendWaitLeftNanos() {
        if (current != null) {
            return java.util.OptionalLong.empty();
        }
        return java.util.OptionalLong.of(Math.max(0, backendDeadline - System.nanoTime()));
    }

    /** The binding for one request, acquired: the caller must {@link Binding#release()} it. */
    Binding enter(RequestHeader header) throws FuseException {
        Binding binding = current;
        if (!paused && !shut && binding != null && binding.acquire()) {
            if (!paused && current == binding) {
                return binding;
            }
            binding.release();
        }
        return await(header);
    }

    private Binding await(RequestHeader header) throws FuseException {
        waits.increment();
        long requestDeadline = System.nanoTime() + waitNanos;
        lock.lock();
        try {
            while (true) {
                if (shut) {
                    throw new FuseException(Errno.EIO, "the mount is shutting down");
                }
                Binding binding = current;
                if (!paused && binding != null && binding.acquire()) {
                    if (!paused && current == binding) {
                        return binding;
                    }
                    binding.release();
                }
                long left = (binding == null ? backendDeadline : requestDeadline) - System.nanoTime();
                if (left <= 0) {
                    timeouts.increment();
                    throw new FuseException(Errno.EIO, "no backend within backend_wait");
                }
                if (header.interrupted()) {
                    throw new FuseException(Errno.EINTR);
                }
                changed.awaitNanos(Math.min(left, POLL_NANOS));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FuseException(Errno.EINTR);
        } finally {
            lock.unlock();
        }
    }

    Binding current() {
        return current;
    }

    /** New requests wait from now on. */
    void pause() {
        paused = true;
    }

    /** Requests flow again, served by {@code binding} ({@code null}: they keep waiting for a backend). */
    void resume(Binding binding) {
        lock.lock();
        try {
            if (binding == null && current != null) {
                backendDeadline = System.nanoTime() + waitNanos; // the backend went away: the mount's wait starts
            }
            current = binding;
            paused = false;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The mount ends: waiting and new requests fail at once ({@link #current()} stays, for clean-up). */
    void shut() {
        lock.lock();
        try {
            shut = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
