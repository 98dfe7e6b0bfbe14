package fuse.mount.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import fuse.api.FileSystem;
import fuse.api.FileSystemBackend;
import fuse.channel.FuseSession;
import fuse.mount.MountState;
import fuse.mount.internal.BackendRef;
import fuse.mount.internal.MountConfig;
import fuse.mount.internal.MountCore;
import fuse.testkit.CommandRunner;
import fuse.testkit.KernelMounts;
import fuse.testkit.posix.PathDriver;
import fuse.testkit.posix.PosixDriver;
import fuse.testkit.posix.TimedDriver;

/**
 * A real kernel mount of a backend on a fresh temporary directory, without OSGi: the test fixture for the mount
 * and for every backend module ({@code fuse.mount}'s test-jar). It builds the plain-Java mount core directly.
 *
 * <p>Safety ({@link KernelMounts}), because a hung FUSE mount can freeze the machine: every mount has a deadline
 * after which a watchdog aborts its connection (fusectl) and unmounts it lazily, so threads blocked on it fail
 * instead of hanging; {@link #io} runs file system calls on an abandonable thread with a timeout; {@link #close()}
 * unmounts, waits a bounded time, aborts and lazily unmounts if needed, and checks that nothing is left in
 * {@code /proc/mounts}. Use it in try-with-resources.
 *
 * <p>From another module's tests: depend on {@code fuse:fuse.mount}, on {@code fuse:fuse.mount} with
 * {@code <type>test-jar</type>} and on {@code fuse:fuse.testkit}, all in test scope. (It lives here, not in
 * fuse.testkit, because it builds the mount's internal core and fuse.mount's own tests use it.)
 *
 * <pre>{@code
 * try (TestMount mount = TestMount.mount(new MyBackend(dir), Map.of())) {
 *     String text = mount.io(() -> Files.readString(mount.path().resolve("a")));
 * }
 * }</pre>
 */
public final class TestMount implements CommandRunner, AutoCloseable {
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(90);
    public static final Duration IO_TIMEOUT = Duration.ofSeconds(30);
    private static final AtomicInteger KEYS = new AtomicInteger(1);

    private final Path directory;
    private final Path mountpoint;
    private final MountCore core;
    private final Thread watchdog;
    /** The backends added, by identity, to take them away again ({@link #removeBackend}). */
    private final Map<FileSystemBackend, BackendRef> backends = new java.util.concurrent.ConcurrentHashMap<>();

    private TestMount(Path directory, Path mountpoint, MountCore core, Duration deadline) {
        this.directory = directory;
        this.mountpoint = mountpoint;
        this.core = core;
        this.watchdog = KernelMounts.watchdog(mountpoint, deadline, this::forceUnmount);
    }

    /** Mounts {@code backend} (named {@code "test"}) with the given configuration keys on a fresh directory. */
    public static TestMount mount(FileSystemBackend backend, Map<String, ?> configuration) throws Exception {
        return mount(backend, configuration, DEFAULT_DEADLINE);
    }

    /** Mounts one already opened file system. */
    public static TestMount mount(FileSystem fs, Map<String, ?> configuration) throws Exception {
        return mount(context -> fs, configuration, DEFAULT_DEADLINE);
    }

    /**
     * Mounts with no backend: the mount comes up and its requests wait for one ({@code backend_wait}); add it
     * with {@link #addBackend}.
     */
    public static TestMount mountWithoutBackend(Map<String, ?> configuration) throws Exception {
        return mount(null, configuration, DEFAULT_DEADLINE);
    }

    /** @param backend the backend named by the configuration's {@code backend} key ("test"), or {@code null} */
    public static TestMount mount(FileSystemBackend backend, Map<String, ?> configuration, Duration deadline)
            throws Exception {
        Path directory = Files.createTempDirectory("fuse-test-");
        // Other users (allow_other tests) must be able to reach the mountpoint.
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path mountpoint = Files.createDirectory(directory.resolve("mnt"));
        Map<String, Object> props = new HashMap<>();
        props.put("mountpoint", mountpoint.toString());
        props.put("backend", "test");
        props.put("threads", 2);
        props.put("backend_wait", 5);
        // The build runs the kernel suites on each transport (system property fuse.test.transport).
        props.put("transport", System.getProperty("fuse.test.transport", "device"));
        props.putAll(configuration);
        String name = props.get("backend").toString();
        MountCore core = new MountCore(MountConfig.parse("test " + mountpoint, props), MountCore.byName(name));
        BackendRef ref = backend == null ? null : BackendRef.of(name, backend, KEYS.getAndIncrement());
        if (ref != null) {
            core.backendAdded(ref);
        }
        core.start();
        TestMount mount = new TestMount(directory, mountpoint, core, deadline);
        if (ref != null) {
            mount.backends.put(backend, ref);
        }
        try {
            MountState expected = backend != null ? MountState.SERVING : MountState.WAITING_FOR_BACKEND;
            if (core.state() != expected) {
                throw new IllegalStateException("mount did not come up: " + core.state() + " "
                        + core.problem().orElse(""));
            }
            if (core.session().awaitInit(Duration.ofSeconds(10)).isEmpty()) {
                throw new IllegalStateException("the kernel sent no INIT within 10 s");
            }
            return mount;
        } catch (Exception | Error e) {
            mount.close();
            throw e;
        }
    }

    /** The mountpoint. */
    public Path path() {
        return mountpoint;
    }

    /** A path inside the mount. */
    public Path path(String relative) {
        return mountpoint.resolve(relative);
    }

    /**
     * A driver for the POSIX scenarios by real system calls on the mountpoint, each call bounded by
     * {@link #IO_TIMEOUT} like {@link #io}.
     */
    public PosixDriver posixDriver() {
        return TimedDriver.wrap(new PathDriver(mountpoint), IO_TIMEOUT, mountpoint.toString(), this::forceUnmount);
    }

    /** The mount core, for statistics, swaps and the passthrough listing. */
    public MountCore core() {
        return core;
    }

    public FuseSession session() {
        return core.session();
    }

    /** Registers a backend with the mount, as a new backend service would be. */
    public void addBackend(String name, FileSystemBackend backend) {
        BackendRef ref = BackendRef.of(name, backend, KEYS.getAndIncrement());
        backends.put(backend, ref);
        core.backendAdded(ref);
    }

    /** Adds another backend under {@code name} and swaps the live mount to it. */
    public void swapTo(String name, FileSystemBackend backend) throws Exception {
        addBackend(name, backend);
        core.swap(name);
    }

    /**
     * Takes a backend away, as when its service is unregistered: its file systems close, and the mount swaps to
     * another matching backend, if there is one; files it opened move there when next used.
     */
    public void removeBackend(FileSystemBackend backend) {
        BackendRef ref = backends.remove(backend);
        if (ref == null) {
            throw new IllegalArgumentException("not a backend of this mount: " + backend);
        }
        core.backendRemoved(ref);
    }

    /** Runs file system calls on their own thread, at most {@link #IO_TIMEOUT}. */
    public <T> T io(Callable<T> call) throws Exception {
        return io(IO_TIMEOUT, call);
    }

    /**
     * Runs {@code call} on a fresh daemon thread. On timeout the connection is aborted (so the thread gets
     * ENOTCONN instead of hanging), the thread abandoned, and the test fails.
     */
    public <T> T io(Duration timeout, Callable<T> call) throws Exception {
        return KernelMounts.io(timeout, mountpoint.toString(), this::forceUnmount, call);
    }

    /** Runs a command (e.g. {@code sha256sum}, or a writer under {@code setpriv}) with a timeout; its stdout. */
    @Override
    public String run(Duration timeout, String... command) throws Exception {
        return KernelMounts.run(timeout, this::forceUnmount, command);
    }

    /** Unmounts and checks that the mount is gone; aborts and lazily unmounts whatever does not end in time. */
    @Override
    public void close() throws IOException {
        watchdog.interrupt();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(core::close);
        try {
            closing.get(20, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            forceUnmount();
            throw new AssertionError("closing the mount at " + mountpoint + " took more than 20 s; aborted");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            forceUnmount();
            throw new AssertionError("interrupted while closing the mount at " + mountpoint + "; aborted");
        } catch (ExecutionException e) {
            forceUnmount();
            throw new AssertionError("closing the mount at " + mountpoint + " failed", e.getCause());
        } finally {
            if (KernelMounts.isMounted(mountpoint)) {
                forceUnmount();
                throw new AssertionError(mountpoint + " was still mounted after close; aborted and unmounted");
            }
            try {
                Files.deleteIfExists(mountpoint);
                Files.deleteIfExists(directory);
            } catch (IOException e) {
                // a lazily unmounted busy mountpoint may linger until its last file closes
            }
        }
    }

    /** Aborts the connection through fusectl and detaches the mountpoint. Never blocks on the mount. */
    public void forceUnmount() {
        long connection = core.connectionId();
        if (connection < 0 && core.session() != null) {
            connection = core.session().connectionId();
        }
        KernelMounts.forceUnmount(connection, mountpoint);
    }
}
