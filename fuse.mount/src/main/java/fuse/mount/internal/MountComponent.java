package fuse.mount.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.FileSystemBackend;
import fuse.channel.InitResult;
import fuse.mount.FuseMount;
import fuse.mount.MountException;
import fuse.mount.MountState;
import fuse.mount.MountStatistics;
import fuse.passthrough.BackingIdInfo;
import fuse.passthrough.PassthroughStatistics;

/**
 * The OSGi shell of a mount: one component per {@code fuse.mount} factory configuration, tracking every
 * {@link FileSystemBackend} service and feeding configuration and backend events to a {@link MountCore}. A
 * change that needs a new mount (mountpoint, threads, permissions, passthrough) replaces the core; other changes
 * apply to the live mount. An update that does not parse is rejected while a mount is live (it keeps its previous
 * configuration, {@link #problem()} says why); without a live mount it is the mount's problem. A core that failed
 * because of its backend is replaced when a matching backend appears.
 */
@Component(name = MountComponent.PID, configurationPid = MountComponent.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true, service = FuseMount.class)
@Designate(ocd = MountConfiguration.class, factory = true)
public final class MountComponent implements FuseMount {
    static final String PID = "fuse.mount";
    private static final Logger LOG = LoggerFactory.getLogger(MountComponent.class);

    private final Map<Long, BackendRef> backends = new ConcurrentHashMap<>();
    /** Guarded by {@code this}. */
    private MountConfig config;
    private Predicate<BackendRef> selector;
    private volatile FuseMount mount = new FailedMount(PID, Path.of("/"), "", "not configured yet");
    /** The listing warm-up started beside this component's mount, if one was. Guarded by {@code this}. */
    private ListingWarmUp warmUp;
    /** Why the last configuration update was not applied to the live mount, if it was not. */
    private volatile String rejectedUpdate;
    private final UnknownSettings unknownSettings = new UnknownSettings();
    private volatile BundleContext context;
    /** Set once the framework stops: no new mount from then on. Guarded by {@code this}. */
    private boolean stopping;
    private final SynchronousBundleListener frameworkStop = event -> {
        if (event.getBundle().getBundleId() == Constants.SYSTEM_BUNDLE_ID && event.getType() == BundleEvent.STOPPING) {
            frameworkStopping();
        }
    };

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile MetaTypeService metaType;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ConfigurationAdmin configAdmin;

    @Activate
    void activate(BundleContext bundleContext, Map<String, Object> properties) {
        this.context = bundleContext;
        bundleContext.addBundleListener(frameworkStop);
        apply(properties);
    }

    @Modified
    void modified(Map<String, Object> properties) {
        apply(properties);
    }

    @Deactivate
    synchronized void deactivate() {
        context.removeBundleListener(frameworkStop);
        closeCore();
    }

    /**
     * The framework is stopping (SIGTERM, {@code stop 0}): unmount now, while the backends are still there to
     * finish the requests in flight. Without this the order would be the framework's, and a backend leaving first
     * would make this mount's requests wait for another one until it is closed.
     */
    private synchronized void frameworkStopping() {
        stopping = true;
        LOG.info("mount {}: the framework is stopping; unmounting", mount.mountpoint());
        closeCore();
    }

    @Reference(service = FileSystemBackend.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addBackend(FileSystemBackend backend, Map<String, Object> properties) {
        BackendRef ref = ref(backend, properties);
        backends.put(ref.key(), ref);
        checkSettings(ref);
        MountCore core = currentCore();
        if (core == null) {
            return;
        }
        if (core.retryWhenBackendAppears() && matches(ref)) {
            synchronized (this) {
                if (mount == core) {
                    LOG.info("mount {}: backend {} appeared, trying again", config.name(), ref);
                    replaceCore();
                }
            }
        } else {
            core.backendAdded(ref);
        }
    }

    void updatedBackend(FileSystemBackend backend, Map<String, Object> properties) {
        BackendRef ref = ref(backend, properties);
        backends.put(ref.key(), ref);
        MountCore core = currentCore();
        if (core != null) {
            core.backendModified(ref);
        }
    }

    void removeBackend(FileSystemBackend backend, Map<String, Object> properties) {
        BackendRef ref = backends.remove(serviceId(properties));
        MountCore core = currentCore();
        if (ref != null && core != null) {
            core.backendRemoved(ref);
        }
    }

    /** Warns about keys of this mount's configuration that the matching backend {@code ref} does not know. */
    private void checkSettings(BackendRef ref) {
        MountConfig current;
        synchronized (this) {
            current = selector != null && selector.test(ref) ? config : null;
        }
        if (current != null) {
            unknownSettings.check(current, ref, metaType, context);
        }
    }

    private synchronized boolean matches(BackendRef ref) {
        return selector != null && selector.test(ref);
    }

    private MountCore currentCore() {
        return mount instanceof MountCore core ? core : null;
    }

    private synchronized void apply(Map<String, Object> properties) {
        String name = String.valueOf(properties.getOrDefault(Constants.SERVICE_PID, PID));
        MountConfig next;
        Predicate<BackendRef> nextSelector;
        try {
            next = MountConfig.parse(name, properties);
            nextSelector = selector(next.backend());
        } catch (MountException e) {
            MountCore live = currentCore();
            if (live != null && config != null && live.state() != MountState.FAILED
                    && live.state() != MountState.UNMOUNTED) {
                // A broken update (a typo in a .cfg file being edited) must not take a working mount away.
                rejectedUpdate = "configuration update rejected: " + e.getMessage()
                        + "; the mount keeps its previous configuration";
                RejectedChange.LOG.error("mount {}: {}", name, rejectedUpdate);
                return;
            }
            LOG.error("mount {}: {}", name, e.getMessage());
            closeCore();
            mount = new FailedMount(name, FailedMount.shownMountpoint(properties.get(MountConfig.MOUNTPOINT)),
                    String.valueOf(properties.getOrDefault(MountConfig.BACKEND, "")), e.getMessage());
            config = null;
            return;
        }
        rejectedUpdate = null;
        MountConfig previous = config;
        config = next;
        selector = nextSelector;
        backends.values().forEach(this::checkSettings);
        MountCore core = currentCore();
        if (core == null || previous == null || core.state() == MountState.FAILED
                || core.state() == MountState.UNMOUNTED || previous.needsRemount(next)) {
            replaceCore();
        } else {
            core.reconfigure(next, nextSelector);
        }
    }

    /** Closes the current core (unmounting) and starts a fresh one with the current configuration. */
    private void replaceCore() {
        closeCore();
        if (stopping) {
            return;
        }
        MountCore core = new MountCore(config, selector);
        MountConfig made = config;
        core.onEndedFromOutside(() -> forgetIfAsked(made));
        // Published before it is fed: a backend bound or unbound meanwhile then reaches this core too, either
        // through the snapshot or through the callback (adding twice is harmless).
        mount = core;
        // Beside the mount's own start, not after it: done by the time the mount's first listing comes.
        warmUp = ListingWarmUp.beside(config, List.copyOf(backends.values()), selector).orElse(null);
        backends.values().forEach(core::backendAdded);
        core.start();
    }

    /**
     * A mount made by mount(8) ({@link MountConfig#forgetOnUnmount()}) is gone for good once unmounted from
     * outside: its configuration is deleted (DS then deactivates this component), so it is not listed and does not
     * come back at the next start; mount(8) or fstab mounts it again.
     */
    private void forgetIfAsked(MountConfig ended) {
        if (!ended.forgetOnUnmount()) {
            return;
        }
        ConfigurationAdmin admin = configAdmin;
        try {
            Configuration[] found = admin == null ? null : admin.listConfigurations("(" + Constants.SERVICE_PID
                    + "=" + ended.name().replaceAll("([\\\\()*])", "\\\\$1") + ")");
            if (found == null || found.length == 0) {
                LOG.warn("mount {}: unmounted from outside; its configuration {} (forget_on_unmount) was not found "
                        + "to delete", ended.mountpoint(), ended.name());
                return;
            }
            for (Configuration configuration : found) {
                configuration.delete();
            }
            LOG.info("mount {}: unmounted from outside; made by mount(8) (forget_on_unmount), so its "
                    + "configuration {} is deleted: mount(8) or fstab mounts it again", ended.mountpoint(),
                    ended.name());
        } catch (IOException | InvalidSyntaxException | IllegalStateException e) {
            LOG.warn("mount {}: unmounted from outside; deleting its configuration {} (forget_on_unmount) failed: "
                    + "{}", ended.mountpoint(), ended.name(), e.getMessage());
        }
    }

    /** Stops the warm-up the mount started, if it runs, then closes the mount. */
    private void closeCore() {
        if (warmUp != null) {
            warmUp.stop();
            warmUp = null;
        }
        MountCore core = currentCore();
        if (core != null) {
            core.close();
        }
    }

    private static Predicate<BackendRef> selector(String target) throws MountException {
        if (!target.startsWith("(")) {
            return MountCore.byName(target);
        }
        try {
            Filter filter = FrameworkUtil.createFilter(target);
            return ref -> filter.matches(ref.properties());
        } catch (InvalidSyntaxException e) {
            throw new MountException("backend: not a valid LDAP filter: " + target + " (" + e.getMessage() + ")");
        }
    }

    private static BackendRef ref(FileSystemBackend backend, Map<String, Object> properties) {
        long id = serviceId(properties);
        Object name = properties.get(FileSystemBackend.NAME);
        Object ranking = properties.get(Constants.SERVICE_RANKING);
        return new BackendRef(name != null ? name.toString() : "service." + id, backend, id,
                ranking instanceof Integer r ? r : 0, properties);
    }

    private static long serviceId(Map<String, Object> properties) {
        return ((Number) properties.get(Constants.SERVICE_ID)).longValue();
    }

    // ---- FuseMount: the current core's view ---------------------------------------------------------------------

    @Override
    public String name() {
        return mount.name();
    }

    @Override
    public Path mountpoint() {
        return mount.mountpoint();
    }

    @Override
    public String backendTarget() {
        return mount.backendTarget();
    }

    @Override
    public Optional<String> backendName() {
        return mount.backendName();
    }

    @Override
    public MountState state() {
        return mount.state();
    }

    @Override
    public Optional<java.time.Duration> backendWaitLeft() {
        return mount.backendWaitLeft();
    }

    @Override
    public Optional<String> problem() {
        String rejected = rejectedUpdate;
        return rejected != null ? Optional.of(rejected) : mount.problem();
    }

    @Override
    public long connectionId() {
        return mount.connectionId();
    }

    @Override
    public Optional<InitResult> init() {
        return mount.init();
    }

    @Override
    public String coherence() {
        return mount.coherence();
    }

    @Override
    public int openFiles() {
        return mount.openFiles();
    }

    @Override
    public MountStatistics statistics() {
        return mount.statistics();
    }

    @Override
    public PassthroughStatistics passthrough() {
        return mount.passthrough();
    }

    @Override
    public List<BackingIdInfo> backingIds() {
        return mount.backingIds();
    }

    @Override
    public void swap(String backendName) throws MountException {
        mount.swap(backendName);
    }

    @Override
    public synchronized void remount() throws MountException {
        MountCore core = currentCore();
        if (core == null || core.state() != MountState.UNMOUNTED) {
            throw new MountException(name() + ": is " + state() + ", not unmounted");
        }
        replaceCore();
    }
}
