package fuse.mount.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.Errno;
import fuse.api.FileSystem;
import fuse.api.FuseException;
import fuse.api.ChangeWatch;
import fuse.api.MountContext;
import fuse.api.Node;
import fuse.channel.FuseChannel;
import fuse.channel.FuseSession;
import fuse.channel.InitResult;
import fuse.channel.MountOptions;
import fuse.channel.Notifier;
import fuse.channel.RequestHandler;
import fuse.mount.FuseMount;
import fuse.mount.MountException;
import fuse.mount.MountState;
import fuse.mount.MountStatistics;
import fuse.passthrough.BackingIdInfo;
import fuse.passthrough.PassthroughManager;
import fuse.passthrough.PassthroughSettings;
import fuse.passthrough.PassthroughStatistics;

/**
 * One mount's life, from {@link #start()} to {@link #close()}, in plain Java: the OSGi component and the test
 * fixture both drive it. It mounts a session, binds a backend's file system when one matching the configuration
 * is known ({@link #backendAdded}), and moves to another one on {@link #swap}, on the bound backend's departure
 * or on a configuration change.
 *
 * <p>Error policy: a bad mountpoint or a backend that rejects its configuration ({@code open} throws) means no
 * mount at all ({@link MountState#FAILED}, one ERROR line naming the configuration and the problem, no stack
 * trace); the OSGi component tries again with a fresh core when a matching backend appears or the configuration
 * changes. A missing backend is not an error: the mount comes up and its requests wait for one.
 *
 * <p>A core mounts once; a remount is a new core.
 */
public final class MountCore implements FuseMount, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MountCore.class);
    /** A limit that stays reached is logged once per this interval, not once per refused request. */
    private static final long LIMIT_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** How long a swap waits for requests already running on the old backend. */
    private static final long SWAP_QUIESCE_NANOS = TimeUnit.SECONDS.toNanos(5);
    public static final String SUBTYPE = "osgi";

    /** Mounts a session; {@link FuseChannel#mount} outside tests. */
    @FunctionalInterface
    public interface SessionFactory {
        FuseSession mount(MountOptions options, RequestHandler handler) throws IOException;
    }

    final Gate gate;
    final NodeTable nodes = new NodeTable();
    final HandleTable handles = new HandleTable();
    final OperationCounters operations = new OperationCounters();
    final LongAdder internalErrors = new LongAdder();
    final LongAdder movedFiles = new LongAdder();
    private final LongAdder swaps = new LongAdder();
    private final LongAdder swapStallNanos = new LongAdder();
    private final AtomicLong maxSwapStallNanos = new AtomicLong();
    /** Bytes served in Java: LongAdders, so concurrent readers add without contending on one cache line. */
    final LongAdder javaBytesRead = new LongAdder();
    final LongAdder javaBytesWritten = new LongAdder();
    private final SessionFactory sessions;
    private final Dispatcher dispatcher;
    private final ReentrantLock control = new ReentrantLock();
    private final Set<BackendRef> candidates = ConcurrentHashMap.newKeySet();
    /** Swapped-out bindings that still have open files. Guarded by {@link #control}. */
    private final List<Binding> retired = new ArrayList<>();
    /** Kernel notifications, clean-up and forgets run here, never on a reader thread. */
    private final ExecutorService background;
    private final AtomicBoolean sessionEnded = new AtomicBoolean();
    /** When the open-file limit was last logged ({@link System#nanoTime}); a full table logs once per interval. */
    private final AtomicLong openLimitLoggedAt = new AtomicLong(System.nanoTime() - LIMIT_LOG_INTERVAL_NANOS);
    private volatile MountConfig config;
    private volatile Predicate<BackendRef> selector;
    private volatile FuseSession session;
    private volatile InitResult init;
    private volatile PassthroughManager passthrough;
    private volatile MountState state = MountState.STARTING;
    private volatile String problem;
    private volatile boolean retryWhenBackendAppears;
    private volatile boolean closing;
    /** Whether the bound file system reports changes behind the mount: the default timeouts are long then. */
    private volatile boolean watched;
    /** The bound file system's {@link ChangeWatch#description()}. */
    private volatile String watchDescription = ChangeWatch.NONE.description();
    private long epochs;
    /** When the mount last lost its backend ({@link #detach}), 0 while bound. Guarded by {@link #control}. */
    private long detachedAt;
    /** Run (in the background) once the session ended from outside; see {@link #onEndedFromOutside}. */
    private volatile Runnable endedFromOutside = () -> {
    };

    public MountCore(MountConfig config, Predicate<BackendRef> selector, SessionFactory sessions) {
        this.config = config;
        this.selector = selector;
        this.sessions = sessions;
        this.gate = new Gate(config.backendWaitNanos());
        this.dispatcher = new Dispatcher(this);
        this.background = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "fuse-mount " + config.mountpoint());
            thread.setDaemon(true);
            return thread;
        });
    }

    public MountCore(MountConfig config, Predicate<BackendRef> selector) {
        this(config, selector, FuseChannel::mount);
    }

    /** Sets what runs, off the reader threads, when the session ends from outside (umount, an abort). */
    public void onEndedFromOutside(Runnable action) {
        endedFromOutside = action;
    }

    /** Selects backends whose {@code fuse.backend.name} is {@code name}. */
    public static Predicate<BackendRef> byName(String name) {
        return ref -> ref.name().equals(name);
    }

    // ---- lifecycle ---------------------------------------------------------------------------------------------

    /** Mounts, bound to the preferred matching backend if one is known. Never throws: see {@link #state()}. */
    public void start() {
        control.lock();
        try {
            if (state != MountState.STARTING || closing) {
                throw new IllegalStateException("a mount core starts once");
            }
            OpenFileBudget.mountStarted();
            MountConfig c = config;
            try {
                cleanStaleMount(c);
                c.checkMountpoint();
            } catch (MountException e) {
                fail(e.getMessage(), false);
                return;
            }
            BackendRef ref = preferred();
            Binding binding = null;
            if (ref != null) {
                try {
                    binding = open(ref);
                } catch (MountException e) {
                    fail(e.getMessage(), true);
                    return;
                }
            }
            try {
                session = sessions.mount(options(c), dispatcher);
            } catch (IOException | RuntimeException e) {
                if (binding != null) {
                    binding.retire(true);
                }
                fail("mount: " + (e.getMessage() != null ? e.getMessage() : e.toString()), false);
                return;
            }
            if (binding != null) {
                nodes.bind(binding);
                followWatch(binding.fs.changeWatch());
                gate.resume(binding);
                state = MountState.SERVING;
                LOG.info("mount {}: mounted, served by backend {}", label(), ref);
            } else {
                state = MountState.WAITING_FOR_BACKEND;
                problem = waitingProblem(c);
                LOG.warn("mount {}: mounted, but {}", label(), problem);
            }
        } finally {
            control.unlock();
        }
    }

    /**
     * Unmounts (lazily, if files are open), lets the session end, and closes every backend file system. Files
     * still open keep working only where the kernel passes them through. Idempotent.
     */
    @Override
    public void close() {
        control.lock();
        try {
            if (closing) {
                return;
            }
            closing = true;
            if (state != MountState.STARTING) {
                OpenFileBudget.mountClosed();
            }
            gate.shut();
            FuseSession s = session;
            if (s != null) {
                try {
                    s.close();
                } catch (RuntimeException e) {
                    LOG.warn("mount {}: closing the session failed", label(), e);
                }
            }
            endSession();
            Binding current = gate.current();
            if (current != null) {
                current.retire(true);
            }
            retired.forEach(binding -> binding.retire(true));
            retired.clear();
            if (state != MountState.FAILED) {
                state = MountState.UNMOUNTED;
            }
            if (s != null && s.isMounted()) {
                problem = "still in the mount table after the unmount and the abort of connection "
                        + s.connectionId();
                LOG.error("mount {}: {}; umount -l {} takes it away", label(), problem, config.mountpoint());
            } else if (s != null) {
                LOG.info("mount {}: unmounted", label());
            }
        } finally {
            control.unlock();
            background.shutdown();
        }
    }

    /** The session ended (from the channel, or after our own close): no release will come for open files. */
    private void endSession() {
        if (!sessionEnded.compareAndSet(false, true)) {
            return;
        }
        PassthroughManager manager = passthrough;
        if (manager != null) {
            manager.closeAll();
        }
        for (OpenFile file : handles.snapshot()) {
            if (handles.remove(file)) {
                if (file.ticket() != null) {
                    file.ticket().release();
                }
                dispatcher.closeOnBackend(file);
            }
        }
    }

    void initialized(FuseSession s, InitResult result) {
        if (session == null) {
            session = s;
        }
        MountConfig c = config;
        passthrough = PassthroughManager.create(s.backingFiles(), new PassthroughSettings(label(), c.passthrough(),
                result.passthrough(), result.maxStackDepth(), result.has(InitResult.DIRECT_IO_ALLOW_MMAP)),
                nodes::describe);
        LOG.info("mount {}: FUSE {} negotiated, passthrough {}, connection {}", label(), result.protocol(),
                result.passthrough() ? "on (max_stack_depth " + result.maxStackDepth() + ")"
                        : c.passthrough() ? "refused by the kernel" : "off by configuration",
                s.connectionId());
        // Published last: whoever sees init() (the shell, the container's console start) sees the passthrough
        // manager in place and the line above already logged.
        init = result;
    }

    /** Called on a reader thread: must not take {@link #control} (close() holds it while joining readers). */
    void destroyed() {
        endSession();
        if (closing) {
            return;
        }
        gate.shut();
        problem = "unmounted from outside (umount, or its connection aborted); fuse:mount " + config.mountpoint()
                + " " + config.backend() + " mounts it again";
        state = MountState.UNMOUNTED;
        LOG.warn("mount {}: the session ended (unmounted from outside, or the connection was aborted)", label());
        runInBackground(endedFromOutside);
        runInBackground(() -> {
            control.lock();
            try {
                Binding current = gate.current();
                if (current != null) {
                    current.retire(true);
                }
                retired.forEach(binding -> binding.retire(true));
                retired.clear();
            } finally {
                control.unlock();
            }
        });
    }

    /**
     * A FUSE mount left at the mountpoint by a server that died (kill -9, crash) answers every access with
     * ENOTCONN: it is unmounted first, else the mountpoint looks missing and the mount could not come back.
     */
    private void cleanStaleMount(MountConfig c) {
        try {
            if (FuseChannel.cleanStaleMount(c.mountpoint())) {
                LOG.warn("mount {}: removed the dead mount a previous server left at {}", label(), c.mountpoint());
            }
        } catch (IOException e) {
            LOG.warn("mount {}: cannot clean the mountpoint: {}", label(), e.getMessage());
        }
    }

    private void fail(String message, boolean retry) {
        state = MountState.FAILED;
        problem = message;
        retryWhenBackendAppears = retry;
        LOG.error("mount {} ({}): {}", config.name(), config.mountpoint(), message);
    }

    /** Whether this core failed because of its backend, so that a fresh core may succeed with another one. */
    public boolean retryWhenBackendAppears() {
        return state == MountState.FAILED && retryWhenBackendAppears;
    }

    // ---- backends ----------------------------------------------------------------------------------------------

    /** A backend service appeared: a waiting mount binds it if it matches. */
    public void backendAdded(BackendRef ref) {
        candidates.add(ref);
        control.lock();
        try {
            if (!closing && state == MountState.WAITING_FOR_BACKEND && selector.test(ref)) {
                bindPreferred();
            }
        } finally {
            control.unlock();
        }
    }

    /** A backend's properties changed (its name, its ranking). */
    public void backendModified(BackendRef ref) {
        candidates.remove(ref);
        backendAdded(ref);
    }

    /**
     * A backend service is going away. Its file systems are closed before this returns (its bundle may be
     * stopping): requests wait for the next matching backend, and files it opened move to that backend when next
     * used (opened again by path; the kernel's side of them, passthrough included, does not change).
     */
    public void backendRemoved(BackendRef ref) {
        candidates.remove(ref);
        control.lock();
        try {
            for (Binding binding : retired) {
                if (binding.backend.equals(ref)) {
                    binding.retire(true);
                }
            }
            retired.removeIf(Binding::isClosed);
            Binding current = gate.current();
            if (closing || current == null || !current.backend.equals(ref)) {
                return;
            }
            BackendRef replacement = preferred();
            boolean swapped = false;
            if (replacement != null) {
                try {
                    swapTo(open(replacement));
                    swapped = true;
                } catch (MountException e) {
                    LOG.error("mount {} ({}): {}", config.name(), config.mountpoint(), e.getMessage());
                }
            }
            if (!swapped) {
                detach(current);
                LOG.warn("mount {}: backend {} went away; {}", label(), ref, problem);
            }
            current.retire(true);
            retired.remove(current);
        } finally {
            control.unlock();
        }
    }

    @Override
    public void swap(String backendName) throws MountException {
        control.lock();
        try {
            if (closing || session == null || state == MountState.FAILED || state == MountState.UNMOUNTED) {
                throw new MountException("mount " + label() + " is not mounted (" + state + ")");
            }
            BackendRef ref = candidates.stream().filter(c -> c.name().equals(backendName))
                    .min(BackendRef.PREFERRED)
                    .orElseThrow(() -> new MountException("no backend named '" + backendName + "' is registered"));
            Binding next;
            try {
                next = open(ref);
            } catch (MountException e) {
                problem = e.getMessage();
                throw e;
            }
            swapTo(next);
        } finally {
            control.unlock();
        }
    }

    /**
     * Applies a changed configuration that does not need a new mount ({@link MountConfig#needsRemount} is
     * false): timeouts at once, a changed backend target by swapping, changed backend settings through
     * {@link FileSystem#reconfigure} or, where the backend cannot, by swapping to a fresh file system of the same
     * backend.
     */
    public void reconfigure(MountConfig next, Predicate<BackendRef> nextSelector) {
        control.lock();
        try {
            MountConfig previous = config;
            config = next;
            selector = nextSelector;
            gate.waitNanos(next.backendWaitNanos());
            if (closing || state == MountState.FAILED || state == MountState.UNMOUNTED) {
                return;
            }
            Binding current = gate.current();
            if (!previous.backend().equals(next.backend())) {
                BackendRef ref = preferred();
                if (ref == null) {
                    if (current != null) {
                        detach(current);
                        current.retire();
                        retired.add(current);
                        LOG.warn("mount {}: {}", label(), problem);
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
            } else if (current == null && state == MountState.WAITING_FOR_BACKEND) {
                bindPreferred();
            }
        } finally {
            control.unlock();
        }
    }

    private void applyBackendSettings(Binding current, MountConfig next) {
        if (!current.acquire()) {
            return;
        }
        try {
            current.fs.reconfigure(next.properties());
            problem = null;
            LOG.info("mount {}: backend {} applied the new settings", label(), current.backend);
            return;
        } catch (FuseException e) {
            if (e.errno() != Errno.ENOSYS) {
                problem = "backend " + current.backend.name() + ": " + e.getMessage();
                RejectedChange.LOG.error(
                        "mount {} ({}): new backend settings rejected: {}; the mount keeps the previous ones",
                        config.name(), config.mountpoint(), problem);
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
            problem = e.getMessage();
            RejectedChange.LOG.error("mount {} ({}): {}; the mount stays with its current backend", config.name(),
                    config.mountpoint(), e.getMessage());
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
            fail(e.getMessage(), true);
            gate.shut();
            FuseSession s = session;
            if (s != null) {
                runInBackground(s::close);
            }
        }
    }

    private BackendRef preferred() {
        Predicate<BackendRef> matches = selector;
        return candidates.stream().filter(matches).min(BackendRef.PREFERRED).orElse(null);
    }

    private Binding open(BackendRef ref) throws MountException {
        Context context = new Context();
        FileSystem fs;
        try {
            fs = ref.backend().open(context);
        } catch (FuseException e) {
            throw new MountException("backend " + ref.name() + ": " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("mount {}: backend {} failed in open", label(), ref, e);
            throw new MountException("backend " + ref.name() + " failed to open: " + e);
        }
        if (fs == null) {
            throw new MountException("backend " + ref.name() + " opened no file system");
        }
        Binding binding = new Binding(ref, fs, ++epochs);
        context.binding = binding;
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
        state = MountState.SWAPPING;
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
        state = MountState.SERVING;
        swaps.increment();
        swapStallNanos.add(now - paused);
        maxSwapStallNanos.accumulateAndGet(now - paused, Math::max);
        problem = null;
        if (old != null) {
            old.retire();
            retired.add(old);
            retired.removeIf(Binding::isClosed);
        }
        invalidateKernelCaches();
        if (old != null && old.backend.equals(next.backend)) {
            LOG.info("mount {}: backend {} reopened with the new settings; new requests held {}", label(),
                    next.backend, held);
        } else {
            LOG.info("mount {}: now served by backend {}{}; new requests held {}", label(), next.backend,
                    old == null ? "" : " (was " + old.backend + ")", held);
        }
    }

    /**
     * Long default timeouts while the file system reports changes behind the mount; it cannot while the kernel
     * keeps size and mtime itself (writeback cache) or when told not to.
     */
    private void followWatch(ChangeWatch watch) {
        MountConfig c = config;
        boolean nowWatched = watch.watching() && c.coherence() != MountConfig.Coherence.TIMEOUT && !c.writebackCache();
        String why = c.coherence() == MountConfig.Coherence.TIMEOUT ? "coherence=timeout"
                : c.writebackCache() && watch.watching() ? "writeback_cache" : watch.description();
        if (nowWatched != watched || !why.equals(watchDescription)) {
            LOG.info("mount {}: {}", label(), coherence(c, nowWatched, why));
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
        state = MountState.SWAPPING;
        gate.pause();
        awaitIdle(current);
        nodes.bind(null);
        gate.resume(null);
        state = MountState.WAITING_FOR_BACKEND;
        problem = waitingProblem(config);
    }

    private static String waitingProblem(MountConfig c) {
        return "no backend matches backend=" + c.backend() + " yet; requests wait for one until "
                + seconds(c.backendWaitNanos()) + " s after the backend went (backend_wait, once per mount), then fail "
                + "with EIO at once";
    }

    private void awaitIdle(Binding binding) {
        try {
            if (!binding.awaitIdle(SWAP_QUIESCE_NANOS)) {
                LOG.warn("mount {}: requests still run on backend {} after {} s; they finish there", label(),
                        binding.backend, seconds(SWAP_QUIESCE_NANOS));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void invalidateKernelCaches() {
        List<NodeTable.Link> links = nodes.links();
        notifyKernel(notifier -> {
            // All at once where the kernel can: that also drops the names it knows not to exist (negative
            // entries), which the node table cannot list.
            boolean allEntries = notifier.invalidateAllEntries();
            for (NodeTable.Link link : links) {
                notifier.invalidateInode(link.id(), 0, -1);
                if (!allEntries && link.name() != null && link.parentId() != 0) {
                    notifier.invalidateEntry(link.parentId(), link.name());
                }
            }
        });
    }

    private void notifyKernel(Consumer<Notifier> action) {
        FuseSession s = session;
        if (s == null || closing) {
            return;
        }
        runInBackground(() -> {
            if (s.isAlive()) {
                action.accept(s.notifier());
            }
        });
    }

    private void runInBackground(Runnable task) {
        try {
            background.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.warn("mount {}: background task failed", label(), e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("mount {}: closed, background task dropped", label());
        }
    }

    // ---- for the dispatcher ------------------------------------------------------------------------------------

    /**
     * Runs a BATCH_FORGET on the background thread. It takes no reply, and the kernel sends pending forgets ahead
     * of other requests: after a cache drop it sends thousands, and closing their descriptors on the reader
     * threads kept the requests queued behind them waiting (a listing right after {@code drop_caches} took twice
     * as long). Lookup counts are sums, so a LOOKUP that overtakes an earlier forget of its node still counts
     * right. Once the mount is closed the task is dropped: closing the file systems gave everything back.
     */
    void forgetInBackground(Runnable forget) {
        runInBackground(forget);
    }

    /** Waits until the background thread has run what was handed to it so far: for tests. */
    void awaitBackground() throws InterruptedException {
        try {
            background.submit(() -> {
            }).get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException
                | java.util.concurrent.RejectedExecutionException e) {
            throw new IllegalStateException("background thread: " + e, e);
        }
    }

    PassthroughManager passthroughManager() {
        PassthroughManager manager = passthrough;
        if (manager == null) {
            throw new IllegalStateException("OPEN before INIT");
        }
        return manager;
    }

    /** The umask to hand the backend: the kernel already applied it unless DONT_MASK is in force. */
    int effectiveUmask(int umask) {
        InitResult result = init;
        return result != null && result.has(InitResult.DONT_MASK) ? umask : 0;
    }

    /** Whether the kernel runs this mount with the writeback cache (negotiated at INIT). */
    boolean writebackCache() {
        InitResult result = init;
        return result != null && result.has(InitResult.WRITEBACK_CACHE);
    }

    long entryTimeoutNanos() {
        return config.entryTimeoutNanos(watched);
    }

    long attrTimeoutNanos() {
        return config.attrTimeoutNanos(watched);
    }

    long negativeTimeoutNanos() {
        return config.negativeTimeoutNanos(watched);
    }

    String label() {
        return config.mountpoint().toString();
    }

    /** The open files this mount may hold now: as configured, else its share ({@link OpenFileBudget}). */
    int maxOpenFiles() {
        int configured = config.maxOpenFiles();
        return configured > 0 ? configured : OpenFileBudget.share();
    }

    /** Logs a refused open (EMFILE for its caller), at most once per interval. */
    void openFilesExhausted(int uid, int limit) {
        long now = System.nanoTime();
        long last = openLimitLoggedAt.get();
        if (now - last >= LIMIT_LOG_INTERVAL_NANOS && openLimitLoggedAt.compareAndSet(last, now)) {
            LOG.warn("mount {}: {} files are open, the max_open_files limit{}; an open by uid {} failed with EMFILE "
                    + "(further refusals are logged at most every {} s)", label(), limit,
                    config.maxOpenFiles() > 0 ? "" : " (" + OpenFileBudget.describe() + ")", uid,
                    TimeUnit.NANOSECONDS.toSeconds(LIMIT_LOG_INTERVAL_NANOS));
        }
    }

    private static MountOptions options(MountConfig c) {
        return new MountOptions(c.mountpoint(), c.fsName(), SUBTYPE, c.threads(), c.allowOther(),
                c.defaultPermissions(), c.passthrough(), c.maxStackDepth(), MountOptions.DEFAULT_MAX_WRITE,
                c.readOnly(), c.writebackCache(), c.transport());
    }

    private static String seconds(long nanos) {
        double s = nanos / 1e9;
        return s == Math.rint(s) ? String.valueOf((long) s) : String.valueOf(s);
    }

    // ---- FuseMount ---------------------------------------------------------------------------------------------

    public MountConfig config() {
        return config;
    }

    /** The session, once mounted. */
    public FuseSession session() {
        return session;
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public Path mountpoint() {
        return config.mountpoint();
    }

    @Override
    public String backendTarget() {
        return config.backend();
    }

    @Override
    public Optional<String> backendName() {
        Binding current = gate.current();
        return current == null || state != MountState.SERVING ? Optional.empty()
                : Optional.of(current.backend.name());
    }

    @Override
    public MountState state() {
        return state;
    }

    @Override
    public Optional<java.time.Duration> backendWaitLeft() {
        if (state != MountState.WAITING_FOR_BACKEND) {
            return Optional.empty();
        }
        var left = gate.backendWaitLeftNanos();
        return left.isPresent() ? Optional.of(java.time.Duration.ofNanos(left.getAsLong())) : Optional.empty();
    }

    @Override
    public Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    @Override
    public long connectionId() {
        FuseSession s = session;
        return s == null || state == MountState.UNMOUNTED ? -1 : s.connectionId();
    }

    @Override
    public Optional<InitResult> init() {
        return Optional.ofNullable(init);
    }

    @Override
    public String coherence() {
        return coherence(config, watched, watchDescription);
    }

    @Override
    public int openFiles() {
        return handles.size();
    }

    @Override
    public MountStatistics statistics() {
        return new MountStatistics(operations.snapshot(), nodes.size(), handles.size(), gate.waits.sum(),
                gate.timeouts.sum(), swaps.sum(), internalErrors.sum(), movedFiles.sum(), swapStallNanos.sum(),
                maxSwapStallNanos.get(), javaBytesRead.sum(), javaBytesWritten.sum());
    }

    @Override
    public PassthroughStatistics passthrough() {
        PassthroughManager manager = passthrough;
        return manager != null ? manager.statistics()
                : new PassthroughStatistics(0, 0, 0, 0, Map.of(), 0, 0, 0, 0, 0, config.passthrough());
    }

    @Override
    public List<BackingIdInfo> backingIds() {
        PassthroughManager manager = passthrough;
        return manager != null ? manager.backingIds() : List.of();
    }

    @Override
    public String toString() {
        return "mount " + label() + " [" + state + "]";
    }

    /** What a backend's file system learns about this mount; notifications go out from the background thread. */
    private final class Context implements MountContext {
        volatile Binding binding;

        @Override
        public Path mountpoint() {
            return config.mountpoint();
        }

        @Override
        public Map<String, Object> configuration() {
            return config.properties();
        }

        @Override
        public void invalidateAttributes(Node node, boolean data) {
            long id = idOf(node);
            if (id != 0) {
                notifyKernel(notifier -> notifier.invalidateInode(id, data ? 0 : -1, data ? -1 : 0));
            }
        }

        @Override
        public void invalidateEntry(Node parent, String name) {
            long id = idOf(parent);
            if (id != 0) {
                notifyKernel(notifier -> notifier.invalidateEntry(id, name));
            }
        }

        @Override
        public void invalidateAll() {
            if (binding != null) {
                invalidateKernelCaches();
            }
        }

        private long idOf(Node node) {
            Binding b = binding;
            return b == null ? 0 : nodes.idOf(b, node);
        }
    }
}
