package fuse.mount.internal;

import static fuse.posix.Linux.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.Errno;
import fuse.channel.FuseChannel;
import fuse.channel.InitResult;
import fuse.channel.Rehearsal;
import fuse.mount.MountException;
import fuse.mount.MountState;
import fuse.posix.Posix;
import fuse.posix.PosixException;
import fuse.posix.nodes.HostRootSettings;

/**
 * Runs the listing path of a freshly started container before the first real listing needs it. The JVM runs new
 * code interpreted until the JIT has seen it called some hundred times: a fresh container's first cold {@code ls}
 * of a 10,000-entry directory ran its first READDIRPLUS (about 190 lookups) and the encoding of its entries
 * interpreted and took 0.11-0.15 s, where the next ones take 0.03-0.05 s.
 *
 * <p>Once a mount is up (its INIT answered), this lists a private temporary directory of {@link #ENTRIES} empty
 * files {@link #LISTINGS} times through the whole request path: the channel's decoding and reply encoding (a
 * {@link Rehearsal}: nothing is mounted, no kernel is involved), a {@link MountCore} of its own (node table, open
 * directories, directory replies) and a file system of the mount's own backend opened on that directory, with
 * INIT as the mount's kernel offered it. It never touches the mount's files: the backend gets no setting of the
 * mount's but the temporary directory as {@code root}, so a backend that needs more (the overlay's layers) fails
 * to open and there is no warm-up. Then it deletes the directory. It runs once per container, on one thread at
 * the lowest priority (nice 19) beside the request threads, gives up after {@link #DEADLINE}, and stops between
 * two listings when the mount stops.
 */
public final class ListingWarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(ListingWarmUp.class);
    /**
     * The files listed: each listing's first READDIRPLUS looks up the first ~190 of them, and the READDIRs after it
     * encode the rest.
     */
    static final int ENTRIES = 1000;
    /** Listings: enough calls of the per-entry code for the JIT to compile it. */
    static final int LISTINGS = 4;
    /** The most a warm-up takes, waiting for its mount's INIT included. */
    static final Duration DEADLINE = Duration.ofSeconds(10);
    /** How long {@link #stop} waits for the warm-up to finish the listing it is in and clean up. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);
    /** The listed directory, in the temporary one (which is the backend's root). */
    static final String LISTED = "listed";
    /** Set while a warm-up runs and after one did: one per container, since the compiled code serves every mount. */
    private static final AtomicBoolean RAN = new AtomicBoolean();

    private final MountCore mount;
    private final List<BackendRef> backends;
    private final Predicate<BackendRef> selector;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile int listed;

    private ListingWarmUp(MountCore mount, List<BackendRef> backends, Predicate<BackendRef> selector) {
        this.mount = mount;
        this.backends = backends;
        this.selector = selector;
        this.thread = new Thread(this::run, "fuse-warm-up " + mount.label());
        thread.setDaemon(true);
    }

    /**
     * Starts a warm-up after {@code mount} came up, unless one ran or runs in this container already or the mount
     * has {@code warm_up=false}.
     *
     * @param backends the backends the mount knows; the one {@code selector} prefers opens the warm-up's directory
     */
    static Optional<ListingWarmUp> after(MountCore mount, List<BackendRef> backends,
            Predicate<BackendRef> selector) {
        if (!mount.config().warmUp() || mount.state() != MountState.SERVING || !RAN.compareAndSet(false, true)) {
            return Optional.empty();
        }
        return Optional.of(start(mount, backends, selector));
    }

    /** Starts a warm-up after {@code mount} whether or not one ran before. */
    public static ListingWarmUp start(MountCore mount, List<BackendRef> backends, Predicate<BackendRef> selector) {
        ListingWarmUp warmUp = new ListingWarmUp(mount, List.copyOf(backends), selector);
        warmUp.thread.start();
        return warmUp;
    }

    /** Asks the warm-up to stop after the listing it is in, and waits (bounded) until it cleaned up. */
    public void stop() {
        stopping = true;
        try {
            if (!awaitEnd(STOP_WAIT)) {
                LOG.warn("mount {}: the listing warm-up did not stop within {} s", mount.label(),
                        STOP_WAIT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for the warm-up to end; {@code false} on timeout. */
    public boolean awaitEnd(Duration timeout) throws InterruptedException {
        return thread.join(timeout);
    }

    /** The entries the warm-up listed so far, over all its listings. */
    public int listed() {
        return listed;
    }

    private void run() {
        long startNanos = System.nanoTime();
        long deadline = startNanos + DEADLINE.toNanos();
        long cpuBefore = threadCpuNanos();
        lowestPriority();
        int listings = 0;
        String outcome;
        Path dir = null;
        try {
            Optional<InitResult> init = awaitInit(deadline);
            if (init.isEmpty()) {
                outcome = "the mount's INIT did not come";
            } else {
                dir = Files.createTempDirectory("fuse-warm-up-");
                fill(dir);
                Rehearsing rehearsing = new Rehearsing(init.get());
                MountCore core = MountCore.rehearsal(configuration(mount.config(), dir), selector, rehearsing);
                try {
                    backends.forEach(core::backendAdded);
                    core.start();
                    if (core.state() != MountState.SERVING) {
                        outcome = "the backend did not open the warm-up's directory: "
                                + core.problem().orElse(core.state().toString());
                    } else {
                        while (listings < LISTINGS && goOn(deadline)) {
                            listed += rehearsing.rehearsal.list(LISTED);
                            listings++;
                        }
                        outcome = listings == LISTINGS ? "done" : "stopped";
                    }
                } finally {
                    core.close();
                }
            }
        } catch (IOException | PosixException | MountException | RuntimeException e) {
            outcome = "failed: " + e.getMessage();
        } finally {
            if (dir != null) {
                delete(dir);
            }
        }
        if (listings == 0) {
            RAN.set(false); // nothing was compiled: the next mount may try
        }
        LOG.debug("mount {}: listing warm-up {}: {} listings, {} entries in {} ms, {} ms of CPU on this thread "
                + "(nice 19)", mount.label(), outcome, listings, listed,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos),
                TimeUnit.NANOSECONDS.toMillis(threadCpuNanos() - cpuBefore));
    }

    private boolean goOn(long deadline) {
        return !stopping && mount.state() == MountState.SERVING && System.nanoTime() - deadline < 0;
    }

    /** The mount's INIT, as its kernel offered it, once answered; empty when the mount stops or the deadline passes. */
    private Optional<InitResult> awaitInit(long deadline) {
        while (goOn(deadline)) {
            Optional<InitResult> init = mount.init();
            if (init.isPresent()) {
                return init;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** The session factory of the warm-up's core: a rehearsal, kept for the listings. */
    private static final class Rehearsing implements MountCore.SessionFactory {
        private final InitResult asOffered;
        Rehearsal rehearsal;

        Rehearsing(InitResult asOffered) {
            this.asOffered = asOffered;
        }

        @Override
        public Rehearsal mount(fuse.channel.MountOptions options, fuse.channel.RequestHandler handler) {
            rehearsal = FuseChannel.rehearse(options, handler, asOffered);
            return rehearsal;
        }
    }

    /**
     * The warm-up core's configuration: the mount's backend on {@code dir}, and nothing else of the mount's (no
     * backend setting of it reaches the warm-up, so none can name the mount's files). No passthrough (nothing
     * is opened), one thread, no watch (a watch would mark the whole file system of {@code dir}).
     */
    static MountConfig configuration(MountConfig mount, Path dir) throws MountException {
        Map<String, Object> keys = new LinkedHashMap<>();
        keys.put(MountConfig.MOUNTPOINT, dir.toString());
        keys.put(MountConfig.BACKEND, mount.backend());
        keys.put(HostRootSettings.ROOT, dir.toString());
        keys.put(MountConfig.THREADS, 1);
        keys.put(MountConfig.PASSTHROUGH, false);
        keys.put(MountConfig.COHERENCE, MountConfig.Coherence.TIMEOUT.key());
        keys.put(MountConfig.WARM_UP, false);
        return MountConfig.parse(mount.name() + " (warm-up)", keys);
    }

    /**
     * Makes the listed directory and its empty files. Through {@link Posix} on a descriptor of the directory: the
     * same calls a request makes, and a third of the time {@code Files.createFile} takes in a fresh JVM.
     */
    private static void fill(Path dir) throws PosixException {
        Posix.mkdirat(AT_FDCWD, dir.resolve(LISTED).toString(), 0700);
        int listed = Posix.openat(AT_FDCWD, dir.resolve(LISTED).toString(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        try {
            for (int i = 0; i < ENTRIES; i++) {
                Posix.close(Posix.openat(listed, entry(i), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
            }
        } finally {
            Posix.closeQuietly(listed);
        }
    }

    private static String entry(int i) {
        return "entry-" + i;
    }

    /** Deletes the warm-up's directory: the files {@link #fill} made, the listed directory, then itself. */
    private void delete(Path dir) {
        try {
            Path listedDir = dir.resolve(LISTED);
            if (Files.isDirectory(listedDir, LinkOption.NOFOLLOW_LINKS)) {
                int listed = Posix.openat(AT_FDCWD, listedDir.toString(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
                try {
                    for (int i = 0; i < ENTRIES; i++) {
                        try {
                            Posix.unlinkat(listed, entry(i), 0);
                        } catch (PosixException e) {
                            if (e.errno() != Errno.ENOENT) {
                                throw e;
                            }
                        }
                    }
                } finally {
                    Posix.closeQuietly(listed);
                }
            }
            Files.deleteIfExists(listedDir);
            Files.deleteIfExists(dir);
        } catch (IOException | PosixException e) {
            LOG.warn("mount {}: the listing warm-up could not delete its directory {}: {}", mount.label(), dir,
                    e.getMessage());
        }
    }

    /** Nice 19 for this thread (Linux keeps the nice value per thread): the request threads go first. */
    private void lowestPriority() {
        try {
            Posix.setThreadNice(19);
        } catch (PosixException e) {
            LOG.debug("mount {}: the listing warm-up runs at normal priority: {}", mount.label(), e.getMessage());
        }
    }

    /** The CPU time this thread ran, from the scheduler's statistics (0 where they cannot be read). */
    private static long threadCpuNanos() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/schedstat"));
            return Long.parseLong(stat.substring(0, stat.indexOf(' ')));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
