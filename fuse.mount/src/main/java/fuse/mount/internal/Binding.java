package fuse.mount.internal;

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
 */
final class Binding {
    private static final Logger LOG = LoggerFactory.getLogger(Binding.class);

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

    private int inFlight;
    private int handles;
    private boolean retired;
    private boolean forced;
    private boolean closed;

    Binding(BackendRef backend, FileSystem fs, long epoch) {
        this.backend = backend;
        this.fs = fs;
        this.epoch = epoch;
    }

    /** Starts one use; {@code false} once closed (the caller answers EIO). */
    synchronized boolean acquire() {
        if (closed) {
            return false;
        }
        inFlight++;
        return true;
    }

    void release() {
        boolean close;
        synchronized (this) {
            inFlight--;
            close = closeIfUnused();
            if (inFlight == 0) {
                notifyAll();
            }
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
            retired = true;
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
        while (inFlight > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    /** {@link FileSystem#release(Node)}, with this binding acquired; a backend's failure is logged, not thrown. */
    void releaseNode(Node node) {
        try {
            fs.release(node);
        } catch (RuntimeException e) {
            LOG.warn("backend {}: releasing {} failed", backend, node, e);
        }
    }

    synchronized boolean isClosed() {
        return closed;
    }

    synchronized int openHandles() {
        return handles;
    }

    private boolean closeIfUnused() {
        if (closed || !retired || inFlight > 0 || handles > 0 && !forced) {
            return false;
        }
        closed = true;
        return true;
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
