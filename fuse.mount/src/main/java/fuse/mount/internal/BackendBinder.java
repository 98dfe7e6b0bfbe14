package fuse.mount.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import fuse.api.ChangeWatch;
import fuse.api.Errno;
import fuse.api.FileSystem;
import fuse.api.FuseException;
import fuse.api.MountContext;
import fuse.mount.MountException;
import fuse.mount.MountState;

/**
 * Which backend file system serves a mount: the matching backend services known, binding the preferred one,
 * swapping to another (on request, on the bound one's departure, on a configuration change), reconfiguring the
 * bound one, and the swapped-out bindings that still have open files. Its operations run with the mount's control
 * lock held (the lifecycle takes it); requests see only the {@link Gate}.
 */
final class BackendBinder {
    private static final Logger LOG = LoggerFactory.getLogger(BackendBinder.class);
    /** How long a swap waits for requests already running on the old backend. */
    private static final long SWAP_QUIESCE_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** What the binder needs from the mount around it. */
    interface Host {
        MountConfig config();

        Predicate<BackendRef> selector();

        String label();

        /** Whether the mount is closing (or closed). */
        boolean closing();

        /** The level of the lines about the mount's own coming and going: INFO, DEBUG for a rehearsal. */
        Level lifecycleLevel();

        /** A backend rejected this configuration while the mount was up: no half-working mount. */
        void failedForBackend(String message);

        /** Drops the kernel's cached entries and attributes (after a swap), from the background thread. */
        void invalidateKernelCaches();

        /** A fresh context for a backend's file system, bound once its binding exists. */
        BoundContext newContext();
    }

    /** A backend's view of the mount, told which binding it belongs to once that exists. */
    interface BoundContext extends MountContext {
        void bind(Binding binding);
    }

    private final Host host;
    private final MountStatus status;
    private final Gate gate;
    private final NodeTable nodes;
    private final Set<BackendRef> candidates = ConcurrentHashMap.newKeySet();
    /** Swapped-out bindings that still have open files. */
    private final List<Binding> retired = new ArrayList<>();
    private final LongAdder swaps = new LongAdder();
    private final LongAdder swapStallNanos = new LongAdder();
    private final AtomicLong maxSwapStallNanos = new AtomicLong();
    /** Whether the bound file system reports changes behind the mount: the default timeouts are long then. */
    private volatile boolean watched;
    /** The bound file system's {@link ChangeWatch#description()}. */
    private volatile String watchDescription = ChangeWatch.NONE.description();
    private long epochs;
    /** When the mount last lost its backend ({@link #detach}), 0 while bound. */
    private long detachedAt;

    BackendBinder(Host host, MountStatus status, Gate gate, NodeTable nodes) {
        this.host = host;
        this.status = status;
        this.gate = gate;
        this.nodes = nodes;
    }

    /** The preferred matching backend's file system for a mount about to start, or {@code null} when none. */
    Binding openPreferred() throws MountException {
        BackendRef ref = preferred();
        return ref == null ? null : open(ref);
    }

    /** Binds the first file system of a mount that just mounted. */
    void bindFirst(Binding binding) {
        nodes.bind(binding);
        followWatch(binding.fs.changeWatch());
        gate.resume(binding);
    }

    /** The mount ends: every binding closes as soon as its requests in flight have left. */
    void retireAll() {
        Binding current = gate.current();
        if (current != null) {
            current.retire(true);
        }
        retired.forEach(binding -> binding.retire(true));
        retired.clear();
    }

    boolean watched() {
        return watched;
    }

    /**
     * The bound file system lost track of changes behind the mount ({@link MountContext#invalidateAll}): its watch
     * may have stopped or given up, so the timeouts follow what it answers now. From any thread.
     */
    void watchChanged(Binding binding) {
        if (binding == gate.current()) {
            followWatch(binding.fs.changeWatch());
        }
    }

    /** How the kernel's caches are kept coherent now, for {@link fuse.mount.FuseMount#coherence()}. */
    String coherence() {
        return coherence(host.config(), watched, watchDescription);
    }

    long swaps() {
        return swaps.sum();
    }

    long swapStallNanos() {
        return swapStallNanos.sum();
    }

    long maxSwapStallNanos() {
        return maxSwapStallNanos.get();
    }

    /** A backend service is known (outside the control lock: candidates are a concurrent set). */
    void offered(BackendRef ref) {
        candidates.add(ref);
    }

    /** A backend service is no longer a candidate. */
    void withdrawn(BackendRef ref) {
        candidates.remove(ref);
    }

    /** A backend service appeared: a waiting mount binds it if it matches. */
    void added(BackendRef ref) {
        if (!host.closing() && status.state() == MountState.WAITING_FOR_BACKEND && host.selector().test(ref)) {
            bindPreferred();
        }
    }

    /**
     * A backend service is going away. Its file systems are closed before this returns (its bundle may be
     * stopping): requests wait for the next matching backend, and files it opened move to that backend when next
     * used (opened again by path; the kernel's side of them, passthrough included, does not change).
     */
    void removed(BackendRef ref) {
        for (Binding binding : retired) {
            if (binding.backend.equals(ref)) {
                binding.retire(true);
            }
        }
        retired.removeIf(Binding::isClosed);
        Binding current = gate.current();
        if (host.closing() || current == null || !current.backend.equals(ref)) {
            return;
        }
        BackendRef replacement = preferred();
        boolean swapped = false;
        if (replacement != null) {
            try {
                swapTo(open(replacement));
                swapped = true;
            } catch (MountException e) {
                LOG.error("mount {} ({}): {}", host.config().name(), host.config().mountpoint(), e.getMessage());
            }
        }
        if (!swapped) {
            detach(current);
            LOG.warn("mount {}: backend {} went away; {}", host.label(), ref, status.problem());
        }
        current.retire(true);
        retired.remove(current);
    }

    /** {@link fuse.mount.FuseMount#swap}, on a mounted mount. */
    void swap(String backendName) throws MountException {
        BackendRef ref = candidates.stream().filter(c -> c.name().equals(backendName))
                .min(BackendRef.PREFERRED)
                .orElseThrow(() -> new MountException("no backend named '" + backendName + "' is registered"));
        Binding next;
        try {
            next = open(ref);
        } catch (MountException e) {
            status.problem(e.getMessage());
            throw e;
        }
        swapTo(next);
    }

    /**
     * Applies a changed configuration that does not need a new mount ({@link MountConfig#needsRemount} is
     * false): timeouts at once, a changed backend target by swapping, changed backend settings through
     * {@link FileSystem#reconfigure} or, where the backend cannot, by swapping to a fresh file system of the same
     * backend.
     */
    void reconfigured(MountConfig previous, MountConfig next) {
        Binding current = gate.current();
        if (!previous.backend().equals(next.backend())) {
            BackendRef ref = preferred();
            if (ref == null) {
                if (current != null) {
                    detach(current);
                    current.retire();
                    retired.add(current);
                    LOG.warn("mount {}: {}", host.label(), status.problem());
                }
                return;
            }
            if (current == null || !current.backend.equals(ref)) {
                swapOrReport(ref);
                return;
            }
        }
        if (current != null && previous.backendSettingsDiffer(next)) {
            applyBackendSettings(current, next);
        } else if (current == null && status.state() == MountState.WAITING_FOR_BACKEND) {
            bindPreferred();
        }
    }

    private void applyBackendSettings(Binding current, MountConfig next) {
        if (!current.acquire()) {
            return;
        }
        try {
            current.fs.reconfigure(next.properties());
            status.problem(null);
            LOG.info("mount {}: backend {} applied the new settings", host.label(), current.backend);
            return;
        } catch (FuseException e) {
            if (e.errno() != Errno.ENOSYS) {
                status.problem("backend " + current.backend.name() + ": " + e.getMessage());
                RejectedChange.LOG.error(
                        "mount {} ({}): new backend settings rejected: {}; the mount keeps the previous ones",
                        host.config().name(), host.config().mountpoint(), status.problem());
                return;
            }
        } finally {
            current.release();
        }
        // The backend cannot change settings in place: a fresh file system with the new ones takes over.
        swapOrReport(current.backend);
    }

    private void swapOrReport(BackendRef ref) {
        try {
            swapTo(open(ref));
        } catch (MountException e) {
            status.problem(e.getMessage());
            RejectedChange.LOG.error("mount {} ({}): {}; the mount stays with its current backend",
                    host.config().name(), host.config().mountpoint(), e.getMessage());
        }
    }

    private void bindPreferred() {
        BackendRef ref = preferred();
        if (ref == null) {
            return;
        }
        try {
            swapTo(open(ref));
        } catch (MountException e) {
            // A backend that rejects this configuration: no half-working mount.
            host.failedForBackend(e.getMessage());
        }
    }

    private BackendRef preferred() {
        Predicate<BackendRef> matches = host.selector();
        return candidates.stream().filter(matches).min(BackendRef.PREFERRED).orElse(null);
    }

    private Binding open(BackendRef ref) throws MountException {
        BoundContext context = host.newContext();
        FileSystem fs;
        try {
            fs = ref.backend().open(context);
        } catch (FuseException e) {
            throw new MountException("backend " + ref.name() + ": " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("mount {}: backend {} failed in open", host.label(), ref, e);
            throw new MountException("backend " + ref.name() + " failed to open: " + e);
        }
        if (fs == null) {
            throw new MountException("backend " + ref.name() + " opened no file system");
        }
        Binding binding = new Binding(ref, fs, ++epochs);
        context.bind(binding);
        return binding;
    }

    /**
     * The swap: hold new requests back, give the ones running on the old binding a bounded time, bind the new
     * one (nodes are resolved again by path when next used), let requests flow, then drop the kernel's cached
     * entries and attributes from the background thread. Files open on the old binding stay with it; it is
     * closed after the last of them is released.
     */
    private void swapTo(Binding next) {
        Binding old = gate.current();
        status.state(MountState.SWAPPING);
        long paused = System.nanoTime();
        gate.pause();
        if (old != null) {
            awaitIdle(old);
        }
        nodes.bind(next);
        followWatch(next.fs.changeWatch());
        gate.resume(next);
        long now = System.nanoTime();
        String held = String.format(java.util.Locale.ROOT, "%.1f ms", (now - paused) / 1e6);
        if (old == null && detachedAt != 0) {
            held += String.format(java.util.Locale.ROOT, " (without a backend for %.1f ms)", (now - detachedAt) / 1e6);
        }
        detachedAt = 0;
        status.state(MountState.SERVING);
        swaps.increment();
        swapStallNanos.add(now - paused);
        maxSwapStallNanos.accumulateAndGet(now - paused, Math::max);
        status.problem(null);
        if (old != null) {
            old.retire();
            retired.add(old);
            retired.removeIf(Binding::isClosed);
        }
        host.invalidateKernelCaches();
        if (old != null && old.backend.equals(next.backend)) {
            LOG.info("mount {}: backend {} reopened with the new settings; new requests held {}", host.label(),
                    next.backend, held);
        } else {
            LOG.info("mount {}: now served by backend {}{}; new requests held {}", host.label(), next.backend,
                    old == null ? "" : " (was " + old.backend + ")", held);
        }
    }

    /**
     * Long default timeouts while the file system reports changes behind the mount; it cannot while the kernel
     * keeps size and mtime itself (writeback cache) or when told not to.
     */
    private void followWatch(ChangeWatch watch) {
        MountConfig c = host.config();
        boolean nowWatched = watch.watching() && c.coherence() != MountConfig.Coherence.TIMEOUT && !c.writebackCache();
        String why = c.coherence() == MountConfig.Coherence.TIMEOUT ? "coherence=timeout"
                : c.writebackCache() && watch.watching() ? "writeback_cache" : watch.description();
        if (nowWatched != watched || !why.equals(watchDescription)) {
            LOG.atLevel(host.lifecycleLevel()).log("mount {}: {}", host.label(), coherence(c, nowWatched, why));
        }
        watchDescription = why;
        watched = nowWatched;
    }

    private static String coherence(MountConfig c, boolean watched, String why) {
        String timeouts = seconds(c.entryTimeoutNanos(watched)) + " s";
        if (c.attrTimeoutNanos(watched) != c.entryTimeoutNanos(watched)) {
            timeouts += " (attributes " + seconds(c.attrTimeoutNanos(watched)) + " s)";
        }
        return watched ? "watch (" + why + "), cached " + timeouts : "timeout " + timeouts + " (" + why + ")";
    }

    /** No backend from now on: requests wait at the gate. */
    private void detach(Binding current) {
        detachedAt = System.nanoTime();
        status.state(MountState.SWAPPING);
        gate.pause();
        awaitIdle(current);
        nodes.bind(null);
        gate.resume(null);
        status.state(MountState.WAITING_FOR_BACKEND);
        status.problem(waitingProblem(host.config()));
    }

    static String waitingProblem(MountConfig c) {
        return "no backend matches backend=" + c.backend() + " yet; requests wait for one until "
                + seconds(c.backendWaitNanos()) + " s after the backend went (backend_wait, once per mount), then fail "
                + "with EIO at once";
    }

    private void awaitIdle(Binding binding) {
        try {
            if (!binding.awaitIdle(SWAP_QUIESCE_NANOS)) {
                LOG.warn("mount {}: requests still run on backend {} after {} s; they finish there", host.label(),
                        binding.backend, seconds(SWAP_QUIESCE_NANOS));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String seconds(long nanos) {
        double s = nanos / 1e9;
        return s == Math.rint(s) ? String.valueOf((long) s) : String.valueOf(s);
    }
}
