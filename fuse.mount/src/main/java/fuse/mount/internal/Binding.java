package fuse.mount.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.FileSystem;
import fuse.api.Node;

/**
 * One file system a backend opened for this mount, from {@code open} until {@code close}. Each binding is an
 * epoch: nodes resolved through it carry its epoch, and a node of an older epoch is resolved again by path.
 *
 * <p>Every use of the file system is bracketed by {@link #acquire()} / {@link #release()} (requests in flight),
 * and every open file holds it by {@link #handleOpened()} / {@link #handleClosed()}. A {@link #retire() retired}
 * binding (replaced by a swap) is closed once neither remain, so old open files keep working until released. A
 * {@link #retire(boolean) forced} retirement (the backend service went away, or the mount ends) closes it as soon
 * as the requests in flight have left; its open files then move to the current binding when next used (the
 * mount's open files open them again there by path), or answer EIO once the mount has ended.
 *
 * <p>Every request of the mount, on every reader and queue thread, passes {@link #acquire()} and {@link #release()},
 * so they take no lock: the requests in flight are the low bits of one {@code state} word, with the closed bit
 * beside them, so that an acquire and the close exclude each other by compare-and-set (a request either counted
 * before the close, which then waits for it, or sees the close and answers EIO). A release takes this binding's
 * lock only when the count it leaves is zero and someone needs to hear it: a retirement (to close) or
 * {@link #awaitIdle} (to wake up), each announced by its own bit set before it looks at the count.
 */
final class Binding {
    private static final Logger LOG = LoggerFactory.getLogger(Binding.class);
    private static final long IN_FLIGHT = 0xFFFF_FFFFL;
    private static final long CLOSED = 1L << 32;
    private static final long RETIRED = 1L << 33;
    private static final long AWAITED = 1L << 34;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Binding.class, "state", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final BackendRef backend;
    final FileSystem fs;
    final long epoch;
    /** Backend node → kernel node for the nodes resolved in this epoch. Guarded by the {@link NodeTable}. */
    final Map<Node, NodeRecord> nodes = new HashMap<>();
    /**
     * The release epoch: how many {@link FileSystem#release(Node)} calls on this file system have returned. A
     * request that asks the backend for an entry reads it first; an answer whose node was released after that
     * read may be one the backend has let go (see {@link NodeTable}). Written under the {@link NodeTable}'s lock.
     */
    volatile long releaseEpoch;
    /**
     * Released nodes: {@link NodeTable#RELEASING} while the backend's release runs, then the release epoch it
     * ended. Weak, so an entry lasts only while something (a request that got the node) can still hand it over.
     * Guarded by the {@link NodeTable}.
     */
    final Map<Node, Long> released = new WeakHashMap<>();

    /** Requests in flight ({@link #IN_FLIGHT}), {@link #CLOSED}, {@link #RETIRED}, {@link #AWAITED}. */
    private volatile long state;
    /** Guarded by this binding, as are the two below. */
    private int handles;
    private boolean forced;
    private int idleWaiters;

    Binding(BackendRef backend, FileSystem fs, long epoch) {
        this.backend = backend;
        this.fs = fs;
        this.epoch = epoch;
    }

    /** Starts one use; {@code false} once closed (the caller answers EIO). */
    boolean acquire() {
        long s = state;
        while ((s & CLOSED) == 0) {
            long witness = (long) STATE.compareAndExchange(this, s, s + 1);
            if (witness == s) {
                return true;
            }
            s = witness;
        }
        return false;
    }

    void release() {
        long s = (long) STATE.getAndAdd(this, -1L) - 1;
        if ((s & IN_FLIGHT) != 0 || (s & (RETIRED | AWAITED)) == 0) {
            return;
        }
        boolean close;
        synchronized (this) {
            close = closeIfUnused();
            notifyAll();
        }
        if (close) {
            closeFileSystem();
        }
    }

    synchronized void handleOpened() {
        handles++;
    }

    void handleClosed() {
        boolean close;
        synchronized (this) {
            handles--;
            close = closeIfUnused();
        }
        if (close) {
            closeFileSystem();
        }
    }

    /** The mount moved on: close once the last request and the last open file are gone. */
    void retire() {
        retire(false);
    }

    /**
     * @param force close as soon as the requests in flight are gone, even with files still open
     */
    void retire(boolean force) {
        boolean close;
        synchronized (this) {
            STATE.getAndBitwiseOr(this, RETIRED);
            forced |= force;
            close = closeIfUnused();
        }
        if (close) {
            closeFileSystem();
        }
    }

    /** Waits until no request uses the file system, at most {@code nanos}; {@code true} if none does. */
    synchronized boolean awaitIdle(long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        // Announced before the count is read: the release that then empties it sees the bit and wakes us.
        idleWaiters++;
        STATE.getAndBitwiseOr(this, AWAITED);
        try {
            while ((state & IN_FLIGHT) != 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                wait(Math.max(1, left / 1_000_000));
            }
            return true;
        } finally {
            if (--idleWaiters == 0) {
                STATE.getAndBitwiseAnd(this, ~AWAITED); // back to the release without the lock
            }
        }
    }

    /** {@link FileSystem#release(Node)}, with this binding acquired; a backend's failure is logged, not thrown. */
    void releaseNode(Node node) {
        try {
            fs.release(node);
        } catch (RuntimeException e) {
            LOG.warn("backend {}: releasing {} failed", backend, node, e);
        }
    }

    boolean isClosed() {
        return (state & CLOSED) != 0;
    }

    synchronized int openHandles() {
        return handles;
    }

    /** Sets the closed bit if nothing uses this retired binding any more; {@code true} for the one caller that did. */
    private boolean closeIfUnused() {
        long s = state;
        if ((s & RETIRED) == 0 || handles > 0 && !forced) {
            return false;
        }
        // Only from zero requests in flight: an acquire that counted itself first makes this fail, and its own
        // release comes back here.
        while ((s & (IN_FLIGHT | CLOSED)) == 0) {
            long witness = (long) STATE.compareAndExchange(this, s, s | CLOSED);
            if (witness == s) {
                return true;
            }
            s = witness;
        }
        return false;
    }

    private void closeFileSystem() {
        try {
            fs.close();
            LOG.debug("closed the file system of backend {} (epoch {})", backend, epoch);
        } catch (RuntimeException e) {
            LOG.warn("backend {}: closing its file system failed", backend, e);
        }
    }

    @Override
    public String toString() {
        return backend + " epoch " + epoch;
    }
}
