package fuse.container.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.mount.FuseMount;

/**
 * Starts the console once the mounts configured at start are up, like a login prompt after the local file systems.
 * The container's framework begins one start level below the console's (Gogo, JLine and the fuse: commands; both
 * levels are set in {@code fuse.bndrun}), so on a small machine the console's few hundred classes and its terminal
 * set-up do not compete with the first mounts for the CPU. When every expected mount ({@link MountsAtStart}) is
 * up ({@link MountsAtStart#isUp}: answering requests, or failed with its reason logged), this raises the
 * framework to the console's level, saying so in one line; after {@code mount_wait} seconds it raises it anyway,
 * naming the mounts it gave up on. Without the {@value #CONSOLE_LEVEL} framework property (a framework that is not
 * the container, e.g. the in-framework tests) it does nothing.
 *
 * <p>Under systemd ({@code Type=notify}) this is also the moment the service is ready: once the console's level is
 * reached (the control socket, bundle fuse.control, is then listening) it sends {@code READY=1} with the number of
 * mounts up, and {@code STOPPING=1} as soon as the framework begins to stop.
 */
@Component(immediate = true, service = {}, configurationPid = ConsoleStart.PID)
@Designate(ocd = ConsoleStart.Config.class)
public final class ConsoleStart {
    static final String PID = "fuse.container.console";
    /** Framework property: the start level of the console bundles. */
    static final String CONSOLE_LEVEL = "fuse.console.startlevel";
    private static final String LOAD_FOLDER = "felix.fileinstall.dir";
    private static final long POLL_MILLIS = 10;
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleStart.class);

    @ObjectClassDefinition(name = "FUSE container console",
            description = "When the Gogo console starts: after the mounts configured at start are up.")
    @interface Config {
        @AttributeDefinition(name = "Wait for the mounts (s)", description = "How long the console waits for "
                + "the mounts configured at start to come up before it starts anyway; 0 = start it at once.",
                min = "0")
        double mount__wait() default 3.0;
    }

    private final Map<FuseMount, String> mountKeys = new ConcurrentHashMap<>();
    private final SystemdNotify systemd = SystemdNotify.fromEnvironment();
    private SynchronousBundleListener stopListener;
    private BundleContext context;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ConfigurationAdmin configurationAdmin;
    private Thread waiter;

    /** An activate method, not a constructor: the references are bound before it runs, not after. */
    @Activate
    void activate(BundleContext context, Config config) {
        this.context = context;
        stopListener = event -> {
            if (event.getBundle().getBundleId() == 0 && event.getType() == BundleEvent.STOPPING) {
                systemd.stopping();
            }
        };
        context.addBundleListener(stopListener);
        FrameworkStartLevel framework = context.getBundle(0).adapt(FrameworkStartLevel.class);
        int consoleLevel = context.getProperty(CONSOLE_LEVEL) == null ? 0
                : level(context, CONSOLE_LEVEL).orElseGet(() -> highestBundleLevel(context));
        if (consoleLevel <= 0 || framework.getStartLevel() >= consoleLevel) {
            return;
        }
        long waitNanos = (long) (Math.max(0, config.mount__wait()) * 1e9);
        Path loadFolder = context.getProperty(LOAD_FOLDER) == null ? null
                : Path.of(context.getProperty(LOAD_FOLDER)).toAbsolutePath();
        waiter = Thread.ofPlatform().daemon().name("fuse-console-start").start(
                () -> startConsole(framework, consoleLevel, loadFolder, waitNanos));
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindMount(FuseMount mount, Map<String, Object> properties) {
        mountKeys.put(mount, MountsAtStart.keyOf(mount.name(), properties.get(MountsAtStart.FILENAME_PROPERTY)));
    }

    void unbindMount(FuseMount mount) {
        mountKeys.remove(mount);
    }

    @Deactivate
    void deactivate() {
        try {
            context.removeBundleListener(stopListener);
        } catch (IllegalStateException e) {
            // the bundle is already stopped: its listeners are gone with it
        }
        if (waiter != null) {
            waiter.interrupt();
        }
    }

    private void startConsole(FrameworkStartLevel framework, int consoleLevel, Path loadFolder, long waitNanos) {
        long deadline = System.nanoTime() + waitNanos;
        String status;
        try {
            MountsAtStart expected = expectedMounts(loadFolder);
            Set<String> waiting = waitForMounts(expected, deadline);
            if (waiting.isEmpty()) {
                LOG.info("mounts up ({}): starting the console",
                        expected.keys().isEmpty() ? "none configured" : String.join(", ", expected.keys()));
            } else {
                LOG.warn("starting the console although these mounts are not up after {} s: {}",
                        waitNanos / 1e9, String.join(", ", waiting));
            }
            status = mountsUp() + (waiting.isEmpty() ? "" : "; not up: " + String.join(", ", waiting));
        } catch (InterruptedException e) {
            return; // deactivated: the framework is stopping, or this component is being replaced
        } catch (RuntimeException | IOException e) {
            LOG.warn("starting the console without waiting for the mounts: {}", e.toString());
            status = mountsUp();
        }
        if (framework.getStartLevel() < consoleLevel && isActive(framework)) {
            String readyStatus = status;
            framework.setStartLevel(consoleLevel, event -> {
                if (event.getType() == FrameworkEvent.STARTLEVEL_CHANGED) {
                    systemd.ready(readyStatus);
                }
            });
        }
    }

    /** The status line for the service manager: how many mounts are mounted (failed ones are not). */
    private String mountsUp() {
        long up = mountKeys.keySet().stream()
                .filter(mount -> MountsAtStart.isUp(mount) && mount.init().isPresent()).count();
        return up + (up == 1 ? " mount" : " mounts") + " up";
    }

    private MountsAtStart expectedMounts(Path loadFolder) throws IOException {
        // ConfigAdmin starts before SCR (fuse.bndrun), so it is bound by now; the load/ files are read here, not
        // from FileInstall, which may not have scanned them yet.
        return MountsAtStart.of(loadFolder, storedMountPids());
    }

    /** Answers the mounts still not up at the deadline (none when all came up in time). */
    private Set<String> waitForMounts(MountsAtStart expected, long deadline) throws InterruptedException {
        for (;;) {
            Map<String, FuseMount> mounts = new HashMap<>();
            mountKeys.forEach((mount, key) -> mounts.merge(key, mount, ConsoleStart::furtherOf));
            Set<String> waiting = expected.waitingFor(mounts);
            if (waiting.isEmpty() || System.nanoTime() >= deadline) {
                return waiting;
            }
            TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
        }
    }

    /** Two services with one key (a configuration being replaced): the one that is up counts. */
    private static FuseMount furtherOf(FuseMount a, FuseMount b) {
        return MountsAtStart.isUp(a) ? a : b;
    }

    /** PIDs of the mount configurations ConfigAdmin holds that FileInstall did not make from a file. */
    private List<String> storedMountPids() throws IOException {
        ConfigurationAdmin admin = configurationAdmin;
        List<String> pids = new ArrayList<>();
        if (admin == null) {
            return pids;
        }
        Configuration[] configurations;
        try {
            configurations = admin.listConfigurations(
                    "(service.factoryPid=" + MountsAtStart.FACTORY_PID + ")");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        for (Configuration configuration : configurations == null ? new Configuration[0] : configurations) {
            var properties = configuration.getProperties();
            if (properties != null && properties.get(MountsAtStart.FILENAME_PROPERTY) == null) {
                pids.add(configuration.getPid());
            }
        }
        return pids;
    }

    private static boolean isActive(FrameworkStartLevel framework) {
        return (framework.getBundle().getState() & (Bundle.ACTIVE | Bundle.STARTING)) != 0;
    }

    private static OptionalInt level(BundleContext context, String property) {
        String value = context.getProperty(property);
        if (value == null) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
            LOG.error("framework property {}={} is not a start level; using the highest bundle start level",
                    property, value);
            return OptionalInt.empty();
        }
    }

    private static int highestBundleLevel(BundleContext context) {
        return Arrays.stream(context.getBundles())
                .mapToInt(bundle -> bundle.adapt(BundleStartLevel.class).getStartLevel()).max().orElse(1);
    }
}
