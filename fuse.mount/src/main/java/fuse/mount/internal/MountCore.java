package fuse.mount.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import fuse.api.FileSystem;
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
 * or on a configuration change. It assembles the pieces and owns the lifecycle: the {@link BackendBinder} binds,
 * swaps and reconfigures backends (under this core's control lock), the {@link Dispatcher} routes requests to
 * {@link OpenFiles} and {@link DirectoryReplies}, and they see the mount only through {@link ServedMount}.
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
    public static final String SUBTYPE = "osgi";

    /** Mounts a session; {@link FuseChannel#mount} outside tests. */
    @FunctionalInterface
    public interface SessionFactory {
        FuseSession mount(MountOptions options, RequestHandler handler) throws IOException;
    }

    private final Gate gate;
    private final NodeTable nodes = new NodeTable();
    private final HandleTable handles = new HandleTable();
    private final MountCounters counters = new MountCounters();
    private final SessionFactory sessions;
    /** Whether the session is a rehearsal, not a mount ({@link #rehearsal}). */
    private final boolean rehearsal;
    /** The level of the lines that say the mount came and went: INFO for a mount, DEBUG for a rehearsal. */
    private final Level lifecycleLevel;
    private final Dispatcher dispatcher;
    private final OpenFiles openFiles;
    private final DirectoryReplies directories;
    private final ReentrantLock control = new ReentrantLock();
    private final MountStatus status = new MountStatus();
    private final BackendBinder binder;
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
    private volatile boolean retryWhenBackendAppears;
    private volatile boolean closing;
    /** Run (in the background) once the session ended from outside; see {@link #onEndedFromOutside}. */
    private volatile Runnable endedFromOutside = () -> {
    };

    public MountCore(MountConfig config, Predicate<BackendRef> selector, SessionFactory sessions) {
        this(config, selector, sessions, false);
    }

    private MountCore(MountConfig config, Predicate<BackendRef> selector, SessionFactory sessions,
            boolean rehearsal) {
        this.config = config;
        this.selector = selector;
        this.sessions = sessions;
        this.rehearsal = rehearsal;
        this.lifecycleLevel = rehearsal ? Level.DEBUG : Level.INFO;
        this.gate = new Gate(config.backendWaitNanos());
        Served served = new Served();
        this.binder = new BackendBinder(new BinderHost(), status, gate, nodes);
        EntryReplies entries = new EntryReplies(served);
        this.openFiles = new OpenFiles(served, counters, gate, nodes, handles, entries);
        this.directories = new DirectoryReplies(served, gate, nodes, openFiles, entries);
        this.dispatcher = new Dispatcher(served, served, counters, gate, nodes, openFiles, directories, entries);
        this.background = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "fuse-mount " + config.mountpoint());
            thread.setDaemon(true);
            return thread;
        });
    }

    public MountCore(MountConfig config, Predicate<BackendRef> selector) {
        this(config, selector, FuseChannel::mount);
    }

    /**
     * A core whose session is a rehearsal ({@code sessions} mounts nothing; {@link ListingWarmUp}): its mounting
     * and unmounting are logged at DEBUG, and it takes no share of the open-file budget from the real mounts.
     */
    static MountCore rehearsal(MountConfig config, Predicate<BackendRef> selector, SessionFactory sessions) {
        return new MountCore(config, selector, sessions, true);
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
            if (status.state() != MountState.STARTING || closing) {
                throw new IllegalStateException("a mount core starts once");
            }
            if (!rehearsal) {
                OpenFileBudget.mountStarted();
            }
            MountConfig c = config;
            try {
                cleanStaleMount(c);
                c.checkMountpoint();
            } catch (MountException e) {
                fail(e.getMessage(), false);
                return;
            }
            Binding binding;
            try {
                binding = binder.openPreferred();
            } catch (MountException e) {
                fail(e.getMessage(), true);
                return;
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
                binder.bindFirst(binding);
                status.state(MountState.SERVING);
                LOG.atLevel(lifecycleLevel).log("mount {}: mounted, served by backend {}", label(), binding.backend);
            } else {
                status.state(MountState.WAITING_FOR_BACKEND);
                status.problem(BackendBinder.waitingProblem(c));
                LOG.warn("mount {}: mounted, but {}", label(), status.problem());
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
            if (status.state() != MountState.STARTING && !rehearsal) {
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
            binder.retireAll();
            if (status.state() != MountState.FAILED) {
                status.state(MountState.UNMOUNTED);
            }
            if (s != null && s.isMounted()) {
                status.problem("still in the mount table after the unmount and the abort of connection "
                        + s.connectionId());
                LOG.error("mount {}: {}; umount -l {} takes it away", label(), status.problem(),
                        config.mountpoint());
            } else if (s != null) {
                LOG.atLevel(lifecycleLevel).log("mount {}: unmounted", label());
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
        directories.closeUnopenedListings();
        openFiles.releaseAll();
    }

    private void initialized(FuseSession s, InitResult result) {
        if (session == null) {
            session = s;
        }
        MountConfig c = config;
        passthrough = PassthroughManager.create(s.backingFiles(), new PassthroughSettings(label(), c.passthrough(),
                result.passthrough(), result.maxStackDepth(), result.has(InitResult.DIRECT_IO_ALLOW_MMAP)),
                nodes::describe);
        LOG.atLevel(lifecycleLevel).log("mount {}: FUSE {} negotiated, passthrough {}, connection {}", label(),
                result.protocol(),
                result.passthrough() ? "on (max_stack_depth " + result.maxStackDepth() + ")"
                        : c.passthrough() ? "refused by the kernel" : "off by configuration",
                s.connectionId());
        // Published last: whoever sees init() (the shell, the container's console start) sees the passthrough
        // manager in place and the line above already logged.
        init = result;
    }

    /** Called on a reader thread: must not take {@link #control} (close() holds it while joining readers). */
    private void destroyed() {
        endSession();
        if (closing) {
            return;
        }
        gate.shut();
        status.problem("unmounted from outside (umount, or its connection aborted); fuse:mount "
                + config.mountpoint() + " " + config.backend() + " mounts it again");
        status.state(MountState.UNMOUNTED);
        LOG.warn("mount {}: the session ended (unmounted from outside, or the connection was aborted)", label());
        runInBackground(endedFromOutside);
        runInBackground(() -> {
            control.lock();
            try {
                binder.retireAll();
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
        status.state(MountState.FAILED);
        status.problem(message);
        retryWhenBackendAppears = retry;
        LOG.error("mount {} ({}): {}", config.name(), config.mountpoint(), message);
    }

    /** Whether this core failed because of its backend, so that a fresh core may succeed with another one. */
    public boolean retryWhenBackendAppears() {
        return status.state() == MountState.FAILED && retryWhenBackendAppears;
    }

    // ---- backends (the binder's work, under the control lock) ----------------------------------------------

    /** A backend service appeared: a waiting mount binds it if it matches. */
    public void backendAdded(BackendRef ref) {
        binder.offered(ref);
        control.lock();
        try {
            binder.added(ref);
        } finally {
            control.unlock();
        }
    }

    /** A backend's properties changed (its name, its ranking). */
    public void backendModified(BackendRef ref) {
        binder.withdrawn(ref);
        backendAdded(ref);
    }

    /**
     * A backend service is going away. Its file systems are closed before this returns (its bundle may be
     * stopping): requests wait for the next matching backend, and files it opened move to that backend when next
     * used (opened again by path; the kernel's side of them, passthrough included, does not change).
     */
    public void backendRemoved(BackendRef ref) {
        binder.withdrawn(ref);
        control.lock();
        try {
            binder.removed(ref);
        } finally {
            control.unlock();
        }
    }

    @Override
    public void swap(String backendName) throws MountException {
        control.lock();
        try {
            MountState state = status.state();
            if (closing || session == null || state == MountState.FAILED || state == MountState.UNMOUNTED) {
                throw new MountException("mount " + label() + " is not mounted (" + state + ")");
            }
            binder.swap(backendName);
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
            MountState state = status.state();
            if (closing || state == MountState.FAILED || state == MountState.UNMOUNTED) {
                return;
            }
            binder.reconfigured(previous, next);
        } finally {
            control.unlock();
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

    // ---- the mount as request handling sees it ----------------------------------------------------------------

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

    String label() {
        return config.mountpoint().toString();
    }

    /** How long the kernel may cache the attributes in replies now (the tests check a reconfiguration by it). */
    long attrTimeoutNanos() {
        return config.attrTimeoutNanos(binder.watched());
    }

    /** The mount as its request handling sees it: negotiated and configured rules, limits, session events. */
    private final class Served implements ServedMount, Dispatcher.SessionEvents {
        @Override
        public String label() {
            return MountCore.this.label();
        }

        @Override
        public void initialized(FuseSession s, InitResult result) {
            MountCore.this.initialized(s, result);
        }

        @Override
        public void destroyed() {
            MountCore.this.destroyed();
        }

        /**
         * A BATCH_FORGET runs on the background thread. It takes no reply, and the kernel sends pending forgets
         * ahead of other requests: after a cache drop it sends thousands, and closing their descriptors on the
         * reader threads kept the requests queued behind them waiting (a listing right after {@code drop_caches}
         * took twice as long). Lookup counts are sums, so a LOOKUP that overtakes an earlier forget of its node
         * still counts right. Once the mount is closed the task is dropped: closing the file systems gave
         * everything back.
         */
        @Override
        public void inBackground(Runnable task) {
            runInBackground(task);
        }

        @Override
        public PassthroughManager passthroughManager() {
            PassthroughManager manager = passthrough;
            if (manager == null) {
                throw new IllegalStateException("OPEN before INIT");
            }
            return manager;
        }

        @Override
        public int effectiveUmask(int umask) {
            InitResult result = init;
            return result != null && result.has(InitResult.DONT_MASK) ? umask : 0;
        }

        @Override
        public boolean writebackCache() {
            InitResult result = init;
            return result != null && result.has(InitResult.WRITEBACK_CACHE);
        }

        @Override
        public boolean opensDirectoriesItself() {
            InitResult result = init;
            return binder.watched() && result != null
                    && (result.kernelFlags() & InitResult.NO_OPENDIR_SUPPORT) != 0;
        }

        @Override
        public long entryTimeoutNanos() {
            return config.entryTimeoutNanos(binder.watched());
        }

        @Override
        public long attrTimeoutNanos() {
            return MountCore.this.attrTimeoutNanos();
        }

        @Override
        public long negativeTimeoutNanos() {
            return config.negativeTimeoutNanos(binder.watched());
        }

        /** As configured, else its share ({@link OpenFileBudget}). */
        @Override
        public int maxOpenFiles() {
            int configured = config.maxOpenFiles();
            return configured > 0 ? configured : OpenFileBudget.share();
        }

        /** At most once per interval. */
        @Override
        public void openFilesExhausted(int uid, int limit) {
            long now = System.nanoTime();
            long last = openLimitLoggedAt.get();
            if (now - last >= LIMIT_LOG_INTERVAL_NANOS && openLimitLoggedAt.compareAndSet(last, now)) {
                LOG.warn("mount {}: {} files are open, the max_open_files limit{}; an open by uid {} failed with "
                        + "EMFILE (further refusals are logged at most every {} s)", label(), limit,
                        config.maxOpenFiles() > 0 ? "" : " (" + OpenFileBudget.describe() + ")", uid,
                        TimeUnit.NANOSECONDS.toSeconds(LIMIT_LOG_INTERVAL_NANOS));
            }
        }
    }

    private static MountOptions options(MountConfig c) {
        return new MountOptions(c.mountpoint(), c.fsName(), SUBTYPE, c.threads(), c.allowOther(),
                c.defaultPermissions(), c.passthrough(), c.maxStackDepth(), MountOptions.DEFAULT_MAX_WRITE,
                c.readOnly(), c.writebackCache(), c.transport(), c.maxRead());
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
        return current == null || status.state() != MountState.SERVING ? Optional.empty()
                : Optional.of(current.backend.name());
    }

    @Override
    public MountState state() {
        return status.state();
    }

    @Override
    public Optional<java.time.Duration> backendWaitLeft() {
        if (status.state() != MountState.WAITING_FOR_BACKEND) {
            return Optional.empty();
        }
        var left = gate.backendWaitLeftNanos();
        return left.isPresent() ? Optional.of(java.time.Duration.ofNanos(left.getAsLong())) : Optional.empty();
    }

    @Override
    public Optional<String> problem() {
        return Optional.ofNullable(status.problem());
    }

    @Override
    public long connectionId() {
        FuseSession s = session;
        return s == null || status.state() == MountState.UNMOUNTED ? -1 : s.connectionId();
    }

    @Override
    public Optional<InitResult> init() {
        return Optional.ofNullable(init);
    }

    @Override
    public String coherence() {
        return binder.coherence();
    }

    @Override
    public int openFiles() {
        return handles.size();
    }

    @Override
    public MountStatistics statistics() {
        return new MountStatistics(counters.operations.snapshot(), nodes.size(), handles.size(), gate.waits.sum(),
                gate.timeouts.sum(), binder.swaps(), counters.internalErrors.sum(), counters.movedFiles.sum(),
                binder.swapStallNanos(), binder.maxSwapStallNanos(), counters.javaBytesRead.sum(),
                counters.javaBytesWritten.sum());
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
        return "mount " + label() + " [" + status.state() + "]";
    }

    /** The mount as its backend binding sees it. */
    private final class BinderHost implements BackendBinder.Host {
        @Override
        public MountConfig config() {
            return config;
        }

        @Override
        public Predicate<BackendRef> selector() {
            return selector;
        }

        @Override
        public String label() {
            return MountCore.this.label();
        }

        @Override
        public boolean closing() {
            return closing;
        }

        @Override
        public Level lifecycleLevel() {
            return lifecycleLevel;
        }

        @Override
        public void failedForBackend(String message) {
            fail(message, true);
            gate.shut();
            FuseSession s = session;
            if (s != null) {
                runInBackground(s::close);
            }
        }

        /** After a swap: the listings kept between READDIRs belong to the old binding. */
        @Override
        public void invalidateKernelCaches() {
            directories.closeUnopenedListings();
            MountCore.this.invalidateKernelCaches();
        }

        @Override
        public BackendBinder.BoundContext newContext() {
            return new Context();
        }
    }

    /** What a backend's file system learns about this mount; notifications go out from the background thread. */
    private final class Context implements BackendBinder.BoundContext {
        private volatile Binding binding;

        @Override
        public void bind(Binding b) {
            binding = b;
        }

        @Override
        public Path mountpoint() {
            return config.mountpoint();
        }

        @Override
        public Map<String, Object> configuration() {
            return config.properties();
        }

        @Override
        public boolean rehearsal() {
            return rehearsal;
        }

        @Override
        public void invalidateAttributes(Node node, boolean data) {
            NodeRecord record = recordOf(node);
            if (record == null) {
                return;
            }
            if (data) {
                nodes.entriesChanged(record); // before the kernel drops the listing it would read again
            }
            long id = record.id;
            notifyKernel(notifier -> notifier.invalidateInode(id, data ? 0 : -1, data ? -1 : 0));
        }

        @Override
        public void invalidateEntry(Node parent, String name) {
            NodeRecord record = recordOf(parent);
            if (record != null) {
                long id = record.id;
                notifyKernel(notifier -> notifier.invalidateEntry(id, name));
            }
        }

        @Override
        public void invalidateAll() {
            Binding b = binding;
            if (b != null) {
                binder.watchChanged(b);
                nodes.everyDirectoryChanged();
                invalidateKernelCaches();
            }
        }

        private NodeRecord recordOf(Node node) {
            Binding b = binding;
            return b == null ? null : nodes.recordOf(b, node);
        }
    }
}
