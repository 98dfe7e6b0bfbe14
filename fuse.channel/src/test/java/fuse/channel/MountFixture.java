package fuse.channel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import fuse.channel.internal.LeftoverMounts;

/**
 * Mounts for one test, and the guarantee that none outlives it: after each test (passed or failed) every forked
 * server is killed, every session closed within a deadline, and whatever is still mounted on the test's
 * mountpoints is aborted and lazily unmounted ({@link LeftoverMounts#clean}, the one cleanup routine). A mount that
 * had to be cleaned after its session was closed fails the test: close() should have removed it. A JVM shutdown
 * hook runs the same routine if the test JVM is stopped mid-test.
 */
public final class MountFixture implements AfterEachCallback {
    public static final String SUBTYPE = "chtest";
    private static final Duration CLOSE_DEADLINE = Duration.ofSeconds(20);
    private static final Set<Path> ALL_MOUNTPOINTS = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> ALL_MOUNTPOINTS.forEach(LeftoverMounts::clean),
                "fuse-test-mount-cleanup"));
    }

    private final List<FuseSession> sessions = new CopyOnWriteArrayList<>();
    private final List<Process> processes = new CopyOnWriteArrayList<>();
    private final List<Path> directories = new CopyOnWriteArrayList<>();

    /** A fresh empty directory to mount on. */
    public Path mountpoint() throws IOException {
        Path dir = Files.createTempDirectory("fuse-channel-test-");
        directories.add(dir);
        ALL_MOUNTPOINTS.add(dir);
        return dir;
    }

    /**
     * The transport the suite runs on: system property {@code fuse.test.transport} ({@code device} unless set; the
     * build runs the kernel suites once more with {@code uring}).
     */
    public static ChannelTransport transport() {
        String key = System.getProperty("fuse.test.transport", "device");
        return ChannelTransport.of(key)
                .orElseThrow(() -> new IllegalArgumentException("fuse.test.transport: unknown transport " + key));
    }

    /** Mounts {@code handler} on a fresh directory with 2 reader threads, and waits for INIT. */
    public FuseSession mount(RequestHandler handler) throws Exception {
        return mount(handler, UnaryOperator.identity());
    }

    public FuseSession mount(RequestHandler handler, UnaryOperator<MountOptions> customize) throws Exception {
        return mountAt(mountpoint(), handler, customize);
    }

    public FuseSession mountAt(Path dir, RequestHandler handler, UnaryOperator<MountOptions> customize)
            throws Exception {
        MountOptions options = customize.apply(MountOptions.defaults(dir, SUBTYPE).withThreads(2)
                .withTransport(transport()));
        FuseSession session = FuseChannel.mount(options, handler);
        sessions.add(session);
        Optional<InitResult> init = session.awaitInit(Duration.ofSeconds(10));
        if (init.isEmpty()) {
            throw new AssertionError("INIT did not complete at " + dir);
        }
        return session;
    }

    /** This process's descriptors whose link reads {@code target} ({@code /dev/fuse}, {@code anon_inode:[io_uring]}). */
    public static long openDescriptors(String target) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals(target);
                } catch (IOException e) {
                    return false; // closed while listing
                }
            }).count();
        }
    }

    /** The session's live threads: its /dev/fuse readers and its io_uring queue threads. */
    public static List<String> threadsOf(FuseSession session) {
        String prefix = "fuse-" + SUBTYPE + "-" + session.connectionId() + "-";
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(prefix) && t.isAlive()).map(Thread::getName).toList();
    }

    public Process track(Process process) {
        processes.add(process);
        return process;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        List<String> leftovers = cleanup();
        if (!leftovers.isEmpty() && context.getExecutionException().isEmpty()) {
            throw new AssertionError("mounts left behind after close(): " + leftovers);
        }
    }

    /** Kills, closes and unmounts everything this fixture made; returns the mounts close() did not remove. */
    public List<String> cleanup() throws InterruptedException {
        for (Process process : processes) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        processes.clear();
        for (FuseSession session : sessions) {
            Thread closer = Thread.ofPlatform().daemon(true).start(session::close);
            closer.join(CLOSE_DEADLINE);
        }
        sessions.clear();
        List<String> leftovers = new ArrayList<>();
        for (Path dir : directories) {
            leftovers.addAll(LeftoverMounts.clean(dir));
            deleteQuietly(dir);
        }
        directories.clear();
        return leftovers;
    }

    private static void deleteQuietly(Path dir) {
        try {
            if (!LeftoverMounts.isFuseMounted(dir)) {
                try (Stream<Path> walk = Files.walk(dir)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        } catch (IOException | RuntimeException e) {
            // A temp directory left behind is harmless.
        }
    }
}
