package fuse.mount.internal;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.FileSystemBackend;

/**
 * Warns about configuration keys that neither the mount nor its backend knows: a typo such as {@code rooot=}
 * would otherwise be ignored without a word. A backend's keys come from the Metatype description it names in its
 * {@value FileSystemBackend#SETTINGS} service property; a backend without one is not checked. Each unknown key of a
 * configuration is reported once.
 */
final class UnknownSettings {
    private static final Logger LOG = LoggerFactory.getLogger(UnknownSettings.class);

    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    void check(MountConfig config, BackendRef backend, MetaTypeService metaType, BundleContext context) {
        if (metaType == null || context == null) {
            return;
        }
        Set<String> known = backendKeys(backend, metaType, context);
        if (known == null) {
            return;
        }
        for (String key : config.backendSettings().keySet()) {
            if (!known.contains(key) && reported.add(config.name() + '\0' + key)) {
                LOG.warn("mount {}: unknown setting '{}' is ignored: it is neither a fuse.mount key nor a setting of "
                        + "backend {} ({})", config.name(), key, backend.name(), String.join(", ", known));
            }
        }
    }

    /** The attribute ids of the backend's settings description, or {@code null} if it publishes none. */
    private static Set<String> backendKeys(BackendRef backend, MetaTypeService metaType, BundleContext context) {
        Object settingsId = backend.properties().get(FileSystemBackend.SETTINGS);
        Object bundleId = backend.properties().get(Constants.SERVICE_BUNDLEID);
        if (settingsId == null || !(bundleId instanceof Number id)) {
            return null;
        }
        Bundle bundle = context.getBundle(id.longValue());
        MetaTypeInformation info = bundle == null ? null : metaType.getMetaTypeInformation(bundle);
        if (info == null) {
            return null;
        }
        try {
            ObjectClassDefinition ocd = info.getObjectClassDefinition(settingsId.toString(), null);
            AttributeDefinition[] attributes = ocd.getAttributeDefinitions(ObjectClassDefinition.ALL);
            return attributes == null ? null : Arrays.stream(attributes).map(AttributeDefinition::getID)
                    .collect(Collectors.toCollection(TreeSet::new));
        } catch (IllegalArgumentException noSuchDescription) {
            LOG.debug("backend {} names settings {} that its bundle does not describe", backend, settingsId);
            return null;
        }
    }
}
