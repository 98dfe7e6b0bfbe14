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
 * interpreted and took 0.09-0.16 s, where the next ones take 0.03-0.06 s.
 *
 * <p>When the first local-backend mount of the container is being made, this lists a private temporary directory
 * of {@link #ENTRIES} empty files {@link #LISTINGS} times through the whole request path: the channel's decoding
 * and reply encoding (a {@link Rehearsal}: nothing is mounted, no kernel is involved, INIT is that of a current
 * kernel), a {@link MountCore} of its own (node table, open directories, directory replies) and a file system of
 * the local backend opened on that directory. It runs beside the mount's own start (the mount system call, INIT),
 * not after it, so that it is done by the time a first listing comes. It never touches the mount's files: the
 * local backend gets no setting of the mount's but the temporary directory as {@code root}; mounts of other
 * backends start none (a backend is never opened on a directory its user did not configure). The directory is on
 * tmpfs ({@code /dev/shm}) where it can be, so that its files never reach a disk, and it is deleted before the
 * warm-up ends. One per container, on one thread; it gives up after {@link #DEADLINE} and stops between two
 * listings when its mount's component closes the mount.
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
    /** The most a warm-up takes. */
    static final Duration DEADLINE = Duration.ofSeconds(10);
    /** How long {@link #stop} waits for the warm-up to finish the listing it is in and clean up. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);
    /** The listed directory, in the temporary one (which is the backend's root). */
    static final String LISTED = "listed";
    /** Where the temporary directory goes when it can: tmpfs, so that making and deleting its files costs no disk. */
    private static final Path TMPFS = Path.of("/dev/shm");
    /** Set while a warm-up runs and after one did: one per container, since the compiled code serves every mount. */
    private static final AtomicBoolean RAN = new AtomicBoolean();

    private final MountConfig mount;
    private final List<BackendRef> backends;
    private final Predicate<BackendRef> selector;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile int listed;

    private ListingWarmUp(MountConfig mount, List<BackendRef> backends, Predicate<BackendRef> selector) {
        this.mount = mount;
        this.backends = backends;
        this.selector = selector;
        this.thread = new Thread(this::run, "fuse-warm-up");
        thread.setDaemon(true);
    }

    /**
     * Starts a warm-up as the mount configured by {@code mount} is being made, unless one ran or runs in this
     * container already, the mount has {@code warm_up=false}, it is not served by the local backend (another
     * backend, a third party's among them, is never opened on a directory its user did not configure), or none of
     * {@code backends} serves it yet.
     *
     * @param backends the backends the mount knows; the one {@code selector} prefers opens the warm-up's directory
     */
    static Optional<ListingWarmUp> beside(MountConfig mount, List<BackendRef> backends,
            Predicate<BackendRef> selector) {
        if (!mount.warmUp() || !MountConfig.DEFAULT_BACKEND.equals(mount.backend())
                || backends.stream().noneMatch(selector) || !RAN.compareAndSet(false, true)) {
            return Optional.empty();
        }
        return Optional.of(start(mount, backends, selector));
    }

    /** Starts a warm-up for {@code mount} whether or not one ran before. */
    public static ListingWarmUp start(MountConfig mount, List<BackendRef> backends, Predicate<BackendRef> selector) {
        ListingWarmUp warmUp = new ListingWarmUp(mount, List.copyOf(backends), selector);
        warmUp.thread.start();
        return warmUp;
    }

    /** Asks the warm-up to stop after the listing it is in, and waits (bounded) until it cleaned up. */
    public void stop() {
        stopping = true;
        try {
            if (!awaitEnd(STOP_WAIT)) {
                LOG.warn("mount {}: the listing warm-up did not stop within {} s", mount.mountpoint(),
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
        int listings = 0;
        String outcome;
        Path dir = null;
        try {
            dir = Files.createTempDirectory(temporaryParent(), "fuse-warm-up-");
            fill(dir);
            Rehearsing rehearsing = new Rehearsing();
            MountCore core = MountCore.rehearsal(configuration(mount, dir), selector, rehearsing);
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
        LOG.debug("mount {}: listing warm-up {}: {} listings, {} entries in {} ms, {} ms of CPU", mount.mountpoint(),
                outcome, listings, listed, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos),
                TimeUnit.NANOSECONDS.toMillis(threadCpuNanos() - cpuBefore));
    }

    private boolean goOn(long deadline) {
        return !stopping && System.nanoTime() - deadline < 0;
    }

    /** {@link #TMPFS} where this process may write there, else the JVM's temporary directory. */
    private static Path temporaryParent() {
        return Files.isDirectory(TMPFS) && Files.isWritable(TMPFS) ? TMPFS
                : Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** The session factory of the warm-up's core: a rehearsal, kept for the listings. */
    private static final class Rehearsing implements MountCore.SessionFactory {
        Rehearsal rehearsal;

        @Override
        public Rehearsal mount(fuse.channel.MountOptions options, fuse.channel.RequestHandler handler) {
            rehearsal = FuseChannel.rehearse(options, handler);
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
     * Makes the listed directory and its empty files: one {@code mknodat} each, on a descriptor of the directory
     * (a third of the time {@code Files.createFile} takes in a fresh JVM).
     */
    private static void fill(Path dir) throws PosixException {
        Posix.mkdirat(AT_FDCWD, dir.resolve(LISTED).toString(), 0700);
        int listed = Posix.openat(AT_FDCWD, dir.resolve(LISTED).toString(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        try {
            for (int i = 0; i < ENTRIES; i++) {
                Posix.mknodat(listed, entry(i), S_IFREG | 0600, 0);
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
            LOG.warn("mount {}: the listing warm-up could not delete its directory {}: {}", mount.mountpoint(), dir,
                    e.getMessage());
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
