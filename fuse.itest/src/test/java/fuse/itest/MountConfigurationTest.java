package fuse.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;
import org.osgi.util.tracker.ServiceTracker;

import fuse.api.FileSystemBackend;
import fuse.mount.FuseMount;
import fuse.mount.MountState;
import fuse.testkit.Wait;

/**
 * The {@code fuse.mount} component in the framework: configurations make, change and remove real mounts, and a
 * mount waits for a backend that is not there yet.
 */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
@Timeout(60)
class MountConfigurationTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 5000)
    ConfigurationAdmin configurationAdmin;

    private final List<Configuration> configurations = new ArrayList<>();
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private final List<Path> mountpoints = new ArrayList<>();
    private Path directory;

    @BeforeEach
    void createDirectory() throws IOException {
        directory = Files.createTempDirectory("fuse-itest-");
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Configuration configuration : configurations) {
            try {
                configuration.delete();
            } catch (IllegalStateException e) {
                // already deleted by the test
            }
        }
        for (Path mountpoint : mountpoints) {
            try {
                Wait.until(WAIT, mountpoint + " to be unmounted after its configuration was deleted",
                        () -> !isMounted(mountpoint));
            } catch (AssertionError stillMounted) {
                new ProcessBuilder("umount", "-l", mountpoint.toString()).start().waitFor(10, TimeUnit.SECONDS);
                throw stillMounted;
            }
        }
        registrations.forEach(ServiceRegistration::unregister);
        deleteTree(directory); // nothing is mounted in it any more (checked above)
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private Path mountpoint(String name) throws IOException {
        Path mountpoint = Files.createDirectory(directory.resolve(name));
        mountpoints.add(mountpoint);
        return mountpoint;
    }

    private void register(String name, FileSystemBackend backend) {
        Dictionary<String, Object> properties = new Hashtable<>(Map.of(FileSystemBackend.NAME, name));
        registrations.add(context.registerService(FileSystemBackend.class, backend, properties));
    }

    private Configuration configure(String name, Map<String, Object> properties) throws IOException {
        Configuration configuration = configurationAdmin.getFactoryConfiguration("fuse.mount", name, "?");
        configuration.update(new Hashtable<>(properties));
        configurations.add(configuration);
        return configuration;
    }

    /** The FuseMount service of a mountpoint once it reached {@code state}. */
    private FuseMount awaitMount(Path mountpoint, MountState state) throws Exception {
        String filter = "(&(objectClass=" + FuseMount.class.getName() + ")(mountpoint=" + mountpoint + "))";
        ServiceTracker<FuseMount, FuseMount> tracker = new ServiceTracker<>(context,
                context.createFilter(filter), null);
        tracker.open();
        try {
            Wait.until(WAIT, () -> {
                FuseMount mount = tracker.getService();
                return "a mount at " + mountpoint + " in state " + state + " (now "
                        + (mount == null ? "no service" : mount.state() + " " + mount.problem().orElse("")) + ")";
            }, () -> {
                FuseMount mount = tracker.getService();
                return mount != null && mount.state() == state;
            });
            return tracker.getService();
        } finally {
            tracker.close();
        }
    }

    private static boolean isMounted(Path mountpoint) {
        try {
            return Files.readAllLines(Path.of("/proc/mounts")).stream().map(l -> l.split(" "))
                    .anyMatch(f -> f.length > 1 && f[1].equals(mountpoint.toString()));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** File system calls on an abandonable thread: a stuck mount fails the test instead of hanging it. */
    private static <T> T io(Callable<T> call) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                result.complete(call.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(20, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("file system call did not finish in 20 s");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw new AssertionError(e.getCause());
        }
    }

    @Test
    void deletingTheConfigurationUnmountsAndRecreatingItMountsAgain() throws Exception {
        register("itest-static", new StaticBackend(Map.of("hello", "world")));
        Path mountpoint = mountpoint("mnt");
        Map<String, Object> properties = Map.of("mountpoint", mountpoint.toString(), "backend", "itest-static",
                "threads", 1);
        Configuration configuration = configure("recreate", properties);
        FuseMount mount = awaitMount(mountpoint, MountState.SERVING);
        assertEquals("itest-static", mount.backendName().orElseThrow());
        assertTrue(mount.connectionId() > 0);
        assertTrue(isMounted(mountpoint));
        assertEquals("world", io(() -> Files.readString(mountpoint.resolve("hello"))));

        configuration.delete();
        Wait.until(WAIT, "the unmount after the configuration was deleted", () -> !isMounted(mountpoint));

        configure("recreate", properties);
        awaitMount(mountpoint, MountState.SERVING);
        assertTrue(isMounted(mountpoint));
        assertEquals("world", io(() -> Files.readString(mountpoint.resolve("hello"))));
    }

    /** fuse.metrics: each mount is an MBean on the platform server (what jconsole shows), gone with the mount. */
    @Test
    void theMountIsAnMBeanWithItsFigures() throws Exception {
        register("itest-jmx", new StaticBackend(Map.of("hello", "world")));
        Path mountpoint = mountpoint("jmx");
        Configuration configuration = configure("jmx", Map.of("mountpoint", mountpoint.toString(), "backend",
                "itest-jmx", "threads", 1, "transport", "device"));
        awaitMount(mountpoint, MountState.SERVING);
        assertEquals("world", io(() -> Files.readString(mountpoint.resolve("hello"))));

        javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        javax.management.ObjectName pattern = new javax.management.ObjectName(
                "fuse:type=Mount,mountpoint=" + javax.management.ObjectName.quote(mountpoint.toString()) + ",*");
        Wait.until(WAIT, "the mount's MBean", () -> server.queryNames(pattern, null).size() == 1);
        javax.management.ObjectName name = server.queryNames(pattern, null).iterator().next();
        assertEquals(configuration.getPid(), javax.management.ObjectName.unquote(name.getKeyProperty("name")));
        assertEquals("SERVING", server.getAttribute(name, "State"));
        assertEquals("itest-jmx", server.getAttribute(name, "Backend"));
        assertEquals("device", server.getAttribute(name, "Transport"));
        assertTrue((Long) server.getAttribute(name, "fuse_requests_total{opcode=LOOKUP}") >= 1);
        assertTrue((Long) server.getAttribute(name, "fuse_requests_total{opcode=READ}") >= 1);
        assertEquals(5L, server.getAttribute(name, "fuse_java_read_bytes_total"));
        assertTrue((Double) server.getAttribute(name, "fuse_request_duration_seconds{opcode=READ,quantile=0.99}") > 0);
        assertEquals(0L, server.getAttribute(name, "fuse_backing_ids"));
        assertTrue(java.util.Arrays.stream(server.getMBeanInfo(name).getAttributes())
                .anyMatch(a -> a.getName().equals("fuse_swap_stall_seconds_total")));

        configuration.delete();
        Wait.until(WAIT, "the MBean to go with the mount", () -> server.queryNames(pattern, null).isEmpty());
    }

    @Test
    void aMountWaitsForAMissingBackendAndServesOnceItAppears() throws Exception {
        Path mountpoint = mountpoint("late");
        configure("late", Map.of("mountpoint", mountpoint.toString(), "backend", "(fuse.backend.name=itest-late)",
                "threads", 1, "backend_wait", 20.0));
        FuseMount mount = awaitMount(mountpoint, MountState.WAITING_FOR_BACKEND);
        assertTrue(isMounted(mountpoint), "the mount is up while the backend is missing");
        assertTrue(mount.backendName().isEmpty());
        assertEquals("no backend matches backend=(fuse.backend.name=itest-late) yet; requests wait for one until 20 s "
                + "after the backend went (backend_wait, once per mount), then fail with EIO at once",
                mount.problem().orElseThrow());
        CompletableFuture<String> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return io(() -> Files.readString(mountpoint.resolve("late-file")));
            } catch (Exception e) {
                return e.toString();
            }
        });
        Wait.until(WAIT, "the read to wait for the backend", () -> mount.statistics().backendWaits() > 0);
        register("itest-late", new StaticBackend(Map.of("late-file", "arrived")));
        assertEquals("arrived", waiting.get(20, TimeUnit.SECONDS), "a request waiting for the backend is served");
        assertEquals(MountState.SERVING, mount.state());
    }

    @Test
    void changesApplyLiveOrRemountAsTheyNeed() throws Exception {
        List<Map<String, Object>> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
        StaticBackend files = new StaticBackend(Map.of("hello", "world"));
        register("itest-settings", mount -> {
            opened.add(mount.configuration());
            return files.open(mount);
        });
        Path first = mountpoint("first");
        Map<String, Object> properties = new java.util.HashMap<>(Map.of("mountpoint", first.toString(),
                "backend", "itest-settings", "threads", 1, "policy", "always"));
        Configuration configuration = configure("changes", properties);
        FuseMount mount = awaitMount(first, MountState.SERVING);
        long connection = mount.connectionId();

        properties.put("policy", "never");
        properties.put("attr_timeout", 2.5);
        configuration.update(new Hashtable<>(properties));
        Wait.until(WAIT, "a backend setting to reopen the backend's file system", () -> opened.size() == 2);
        assertEquals("never", opened.get(1).get("policy"));
        assertEquals(connection, mount.connectionId(), "no remount for a backend setting");
        assertEquals(1, mount.statistics().swaps(), "served by the fresh file system");

        properties.put("threads", "several");
        configuration.update(new Hashtable<>(properties));
        Wait.until(WAIT, "the broken update's report", () -> mount.problem().isPresent());
        assertEquals("configuration update rejected: threads: must be a whole number, got 'several'; the mount "
                + "keeps its previous configuration", mount.problem().orElseThrow());
        assertEquals(connection, mount.connectionId(), "and does not take the working mount away");
        assertEquals(MountState.SERVING, mount.state());
        properties.put("threads", 1);

        Path second = mountpoint("second");
        properties.put("mountpoint", second.toString());
        configuration.update(new Hashtable<>(properties));
        awaitMount(second, MountState.SERVING);
        Wait.until(WAIT, "the old mountpoint's unmount", () -> !isMounted(first));
        assertTrue(isMounted(second));
        assertEquals("world", io(() -> Files.readString(second.resolve("hello"))));
    }

    @Test
    void theLocalBackendPassesFilesThroughAndTakesAPolicyChangeLive() throws Exception {
        Path source = Files.createDirectory(directory.resolve("source"));
        Files.writeString(source.resolve("data"), "local data");
        Path mountpoint = mountpoint("local");
        Map<String, Object> properties = new java.util.HashMap<>(Map.of("mountpoint", mountpoint.toString(),
                "backend", "local", "root", source.toString(), "policy", "always", "threads", 1));
        Configuration configuration = configure("local", properties);
        FuseMount mount = awaitMount(mountpoint, MountState.SERVING);
        assertEquals("local data", io(() -> Files.readString(mountpoint.resolve("data"))));
        assertEquals(1, mount.passthrough().passthroughOpens());
        assertEquals(0, mount.statistics().count("READ"), "the kernel read the file itself");

        properties.put("policy", "never");
        configuration.update(new Hashtable<>(properties));
        Wait.until(WAIT, "new opens served in Java after policy=never", () -> {
            try {
                io(() -> Files.readString(mountpoint.resolve("data")));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return mount.passthrough().javaServedOpens() > 0;
        });
        assertEquals(0, mount.statistics().swaps(), "the local backend applied the policy in place");
        // A request is counted once its reply is out: the reader may still be at it when the read returns.
        Wait.until(WAIT, "the reads to reach Java", () -> mount.statistics().count("READ") > 0);
    }

    @Test
    void aBackendRejectingItsSettingsIsAClearProblemAndNoMount() throws Exception {
        Path mountpoint = mountpoint("noroot");
        Path missing = directory.resolve("no-source");
        configure("noroot", Map.of("mountpoint", mountpoint.toString(), "backend", "local", "root",
                missing.toString()));
        FuseMount mount = awaitMount(mountpoint, MountState.FAILED);
        String problem = mount.problem().orElseThrow();
        assertTrue(problem.startsWith("backend local: root: "), problem);
        assertTrue(problem.contains(missing.toString()), problem);
        assertTrue(!isMounted(mountpoint));
    }

    @Test
    void aMissingMountpointIsAClearProblemAndNoMount() throws Exception {
        Path missing = directory.resolve("does-not-exist");
        configure("missing", Map.of("mountpoint", missing.toString(), "backend", "anything"));
        FuseMount mount = awaitMount(missing, MountState.FAILED);
        assertEquals("mountpoint: " + missing + " does not exist", mount.problem().orElseThrow());
        assertTrue(!isMounted(missing));
    }

    @Test
    void anInvalidValueIsAClearProblem() throws Exception {
        Path mountpoint = mountpoint("bad");
        configure("bad", Map.of("mountpoint", mountpoint.toString(), "backend", "(broken", "threads", 1));
        FuseMount mount = awaitMount(mountpoint, MountState.FAILED);
        String problem = mount.problem().orElseThrow();
        assertTrue(problem.startsWith("backend: not a valid LDAP filter: (broken"), problem);
        assertNotNull(mount.passthrough());
    }
}
