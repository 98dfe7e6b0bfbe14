package fuse.shell.internal;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

import fuse.api.FileSystemBackend;
import fuse.mount.FuseMount;

/**
 * What the commands look at: the mount services, the backend services, the {@code fuse.mount} configurations in
 * ConfigAdmin, and the Metatype descriptions that type {@code key=value} settings. Holds no state of its own
 * besides the services DS hands it.
 */
@Component(service = Registry.class)
public final class Registry {
    static final String MOUNT_PID = "fuse.mount";
    static final String MOUNTPOINT = "mountpoint";
    static final String BACKEND = "backend";

    /** A mount service with its service properties (those of its configuration). */
    record MountService(long serviceId, FuseMount mount, Map<String, Object> properties) {
        /** The PID of the configuration behind it. */
        String pid() {
            return String.valueOf(properties.get(Constants.SERVICE_PID));
        }
    }

    /** A registered backend service. */
    record Backend(String name, long serviceId, int ranking, Bundle bundle, String settingsPid) {
    }

    private final BundleContext context;
    private final ConfigurationAdmin configAdmin;
    private final Map<Long, MountService> mounts = new ConcurrentHashMap<>();
    private final Map<Long, ServiceReference<FileSystemBackend>> backends = new ConcurrentHashMap<>();
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile MetaTypeService metaType;

    @Activate
    public Registry(BundleContext context, @Reference ConfigurationAdmin configAdmin) {
        this.context = context;
        this.configAdmin = configAdmin;
    }

    // ---- services ----------------------------------------------------------------------------------------------

    @Reference(service = FuseMount.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY, updated = "updateMount")
    void addMount(FuseMount mount, Map<String, Object> properties) {
        MountService service = new MountService(serviceId(properties), mount, Map.copyOf(properties));
        mounts.put(service.serviceId(), service);
    }

    void updateMount(FuseMount mount, Map<String, Object> properties) {
        addMount(mount, properties);
    }

    void removeMount(FuseMount mount, Map<String, Object> properties) {
        mounts.remove(serviceId(properties));
    }

    @Reference(service = FileSystemBackend.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY, updated = "updateBackend")
    void addBackend(ServiceReference<FileSystemBackend> reference) {
        backends.put((Long) reference.getProperty(Constants.SERVICE_ID), reference);
    }

    void updateBackend(ServiceReference<FileSystemBackend> reference) {
        addBackend(reference);
    }

    void removeBackend(ServiceReference<FileSystemBackend> reference) {
        backends.remove((Long) reference.getProperty(Constants.SERVICE_ID));
    }

    private static long serviceId(Map<String, Object> properties) {
        return ((Number) properties.get(Constants.SERVICE_ID)).longValue();
    }

    /** Every mount service, by mountpoint. */
    List<MountService> mounts() {
        return mounts.values().stream().sorted(Comparator.comparing(m -> m.mount().mountpoint().toString()))
                .toList();
    }

    Optional<MountService> mount(Path mountpoint) {
        return mounts.values().stream().filter(m -> m.mount().mountpoint().equals(mountpoint)).findFirst();
    }

    Optional<MountService> mountByPid(String pid) {
        return mounts.values().stream().filter(m -> m.pid().equals(pid)).findFirst();
    }

    /** Every registered backend, by name, preferred first (highest ranking, then the oldest). */
    List<Backend> backends() {
        List<Backend> result = new ArrayList<>();
        for (ServiceReference<FileSystemBackend> reference : backends.values()) {
            Bundle bundle = reference.getBundle();
            if (bundle == null) {
                continue; // unregistered meanwhile
            }
            Object name = reference.getProperty(FileSystemBackend.NAME);
            Object ranking = reference.getProperty(Constants.SERVICE_RANKING);
            Object settings = reference.getProperty(FileSystemBackend.SETTINGS);
            long id = (Long) reference.getProperty(Constants.SERVICE_ID);
            result.add(new Backend(name != null ? name.toString() : "service." + id, id,
                    ranking instanceof Integer r ? r : 0, bundle, settings != null ? settings.toString() : null));
        }
        result.sort(Comparator.comparing(Backend::name).thenComparing(Comparator.comparingInt(Backend::ranking)
                .reversed()).thenComparingLong(Backend::serviceId));
        return result;
    }

    Optional<Backend> backend(String name) {
        return backends().stream().filter(b -> b.name().equals(name)).findFirst();
    }

    // ---- configurations ----------------------------------------------------------------------------------------

    /** Every {@code fuse.mount} configuration. */
    List<Configuration> configurations() throws IOException {
        try {
            Configuration[] found = configAdmin.listConfigurations(
                    "(" + ConfigurationAdmin.SERVICE_FACTORYPID + "=" + MOUNT_PID + ")");
            return found == null ? List.of() : Arrays.asList(found);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The configuration of the mount at {@code mountpoint}. */
    Optional<Configuration> configuration(Path mountpoint) throws IOException {
        for (Configuration configuration : configurations()) {
            Optional<Path> path = mountpoint(configuration);
            if (path.isPresent() && path.get().equals(mountpoint)) {
                return Optional.of(configuration);
            }
        }
        return Optional.empty();
    }

    /** The mountpoint a configuration names, normalized, if it names a valid one. */
    static Optional<Path> mountpoint(Configuration configuration) {
        var properties = configuration.getProperties();
        Object value = properties == null ? null : properties.get(MOUNTPOINT);
        if (value instanceof String[] array) {
            value = array.length > 0 ? array[0] : null;
        }
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Path.of(value.toString().trim()).normalize());
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }

    /**
     * A new, not yet saved {@code fuse.mount} configuration named after {@code mountpoint}, unbound (any bundle
     * may consume it: the mount bundle may be updated).
     */
    Configuration newConfiguration(Path mountpoint) throws IOException {
        String base = mountpoint.toString().replaceAll("[^A-Za-z0-9._-]+", "_").replaceAll("^_+|_+$", "");
        if (base.isEmpty()) {
            base = "root";
        }
        String name = base;
        for (int i = 2; exists(MOUNT_PID + "~" + name); i++) {
            name = base + "-" + i;
        }
        return configAdmin.getFactoryConfiguration(MOUNT_PID, name, "?");
    }

    private boolean exists(String pid) throws IOException {
        try {
            Configuration[] found = configAdmin.listConfigurations("(" + Constants.SERVICE_PID + "=" + pid + ")");
            return found != null && found.length > 0;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- Metatype ----------------------------------------------------------------------------------------------

    /**
     * The declared type of a setting: the mount's own keys (Metatype of {@code fuse.mount}), then the settings
     * of the backends named {@code backend}. Empty when no description is at hand (no Metatype service, a
     * backend that publishes none, an unknown key).
     */
    Optional<SettingType> settingType(String key, String backend) {
        MetaTypeService service = metaType;
        if (service == null) {
            return Optional.empty();
        }
        for (Bundle bundle : context.getBundles()) {
            MetaTypeInformation information = service.getMetaTypeInformation(bundle);
            if (information != null && Arrays.asList(information.getFactoryPids()).contains(MOUNT_PID)) {
                Optional<SettingType> type = settingType(information, MOUNT_PID, key);
                if (type.isPresent()) {
                    return type;
                }
            }
        }
        for (Backend candidate : backends()) {
            if (candidate.name().equals(backend) && candidate.settingsPid() != null) {
                MetaTypeInformation information = service.getMetaTypeInformation(candidate.bundle());
                Optional<SettingType> type = information == null ? Optional.empty()
                        : settingType(information, candidate.settingsPid(), key);
                if (type.isPresent()) {
                    return type;
                }
            }
        }
        return Optional.empty();
    }

    /** A setting as Metatype describes it, for help and completion. */
    record Setting(String key, String type, String defaultValue, String description) {
    }

    /** The mount's own keys ({@code fuse.mount}'s Metatype), in declaration order; empty without Metatype. */
    List<Setting> mountSettings() {
        MetaTypeService service = metaType;
        if (service != null) {
            for (Bundle bundle : context.getBundles()) {
                MetaTypeInformation information = service.getMetaTypeInformation(bundle);
                if (information != null && Arrays.asList(information.getFactoryPids()).contains(MOUNT_PID)) {
                    return settings(definition(information, MOUNT_PID));
                }
            }
        }
        return List.of();
    }

    /**
     * The settings {@code backend} (a name) declares through Metatype; empty when it is not registered or publishes
     * no description (then any key is taken as it is).
     */
    Optional<List<Setting>> backendSettings(String backend) {
        MetaTypeService service = metaType;
        Optional<Backend> candidate = backend(backend);
        if (service == null || candidate.isEmpty() || candidate.get().settingsPid() == null) {
            return Optional.empty();
        }
        ObjectClassDefinition ocd = definition(service.getMetaTypeInformation(candidate.get().bundle()),
                candidate.get().settingsPid());
        return ocd == null ? Optional.empty() : Optional.of(settings(ocd));
    }

    private static List<Setting> settings(ObjectClassDefinition ocd) {
        List<Setting> settings = new ArrayList<>();
        AttributeDefinition[] attributes = ocd == null ? null : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL);
        for (AttributeDefinition attribute : attributes == null ? new AttributeDefinition[0] : attributes) {
            if (SettingArguments.RESERVED.contains(attribute.getID())) {
                continue; // mountpoint, backend: arguments of their own
            }
            String[] defaults = attribute.getDefaultValue();
            settings.add(new Setting(attribute.getID(), typeName(attribute),
                    defaults == null || defaults.length == 0 ? null : String.join(",", defaults),
                    attribute.getDescription() != null ? attribute.getDescription() : attribute.getName()));
        }
        return settings;
    }

    private static String typeName(AttributeDefinition attribute) {
        String base = switch (attribute.getType()) {
            case AttributeDefinition.BOOLEAN -> "boolean";
            case AttributeDefinition.INTEGER, AttributeDefinition.SHORT, AttributeDefinition.BYTE,
                 AttributeDefinition.LONG -> "integer";
            case AttributeDefinition.DOUBLE, AttributeDefinition.FLOAT -> "number";
            default -> "text";
        };
        return attribute.getCardinality() != 0 ? base + " list" : base;
    }

    /** Whether {@code backend} publishes a description of its settings that lacks {@code key}. */
    boolean backendLacksSetting(String backend, String key) {
        MetaTypeService service = metaType;
        Optional<Backend> candidate = backend(backend);
        if (service == null || candidate.isEmpty() || candidate.get().settingsPid() == null) {
            return false;
        }
        MetaTypeInformation information = service.getMetaTypeInformation(candidate.get().bundle());
        ObjectClassDefinition ocd = definition(information, candidate.get().settingsPid());
        return ocd != null && attribute(ocd, key) == null;
    }

    private static Optional<SettingType> settingType(MetaTypeInformation information, String pid, String key) {
        ObjectClassDefinition ocd = definition(information, pid);
        AttributeDefinition attribute = ocd == null ? null : attribute(ocd, key);
        if (attribute == null) {
            return Optional.empty();
        }
        SettingType.Kind kind = switch (attribute.getType()) {
            case AttributeDefinition.BOOLEAN -> SettingType.Kind.BOOLEAN;
            case AttributeDefinition.INTEGER, AttributeDefinition.SHORT, AttributeDefinition.BYTE ->
                SettingType.Kind.INTEGER;
            case AttributeDefinition.LONG -> SettingType.Kind.LONG;
            case AttributeDefinition.DOUBLE, AttributeDefinition.FLOAT -> SettingType.Kind.DOUBLE;
            default -> SettingType.Kind.STRING;
        };
        return Optional.of(new SettingType(kind, attribute.getCardinality() != 0));
    }

    private static ObjectClassDefinition definition(MetaTypeInformation information, String pid) {
        try {
            return information == null ? null : information.getObjectClassDefinition(pid, null);
        } catch (IllegalArgumentException e) {
            return null; // no such PID in this bundle
        }
    }

    private static AttributeDefinition attribute(ObjectClassDefinition ocd, String key) {
        AttributeDefinition[] attributes = ocd.getAttributeDefinitions(ObjectClassDefinition.ALL);
        if (attributes != null) {
            for (AttributeDefinition attribute : attributes) {
                if (attribute.getID().equals(key)) {
                    return attribute;
                }
            }
        }
        return null;
    }
}
