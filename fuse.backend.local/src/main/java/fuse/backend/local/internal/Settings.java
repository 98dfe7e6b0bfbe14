package fuse.backend.local.internal;

import java.nio.file.Path;
import java.util.Map;

import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.api.policy.PassthroughPolicy;
import fuse.posix.nodes.HostRootSettings;

/**
 * The local backend's settings parsed from a mount's configuration ({@link LocalBackendSettings} documents them).
 * Errors are {@code FuseException(EINVAL)} whose message starts with the setting's name, e.g.
 * {@code "policy: expected always, never or rules, got 'sometimes'"}. Whether {@code root} exists is checked when
 * the file system opens it ({@link LocalFileSystem#open}).
 */
record Settings(Path root, PassthroughPolicy policy, int nodeDescriptors, String watch) {
    static final String NODE_DESCRIPTORS = "node_descriptors";
    static final String WATCH = "watch";
    /** The {@code watch} values. */
    static final String AUTO = "auto";
    static final String FANOTIFY = "fanotify";
    static final String INOTIFY = "inotify";

    static Settings parse(Map<String, Object> configuration) throws FuseException {
        return new Settings(HostRootSettings.parseRoot(configuration), policy(configuration),
                nodeDescriptors(configuration), watch(configuration));
    }

    /** {@code watch}: auto (the default), fanotify or inotify. */
    private static String watch(Map<String, Object> configuration) throws FuseException {
        Object value = configuration.get(WATCH);
        String watch = value == null || value.toString().isBlank() ? AUTO : value.toString().trim();
        if (!watch.equals(AUTO) && !watch.equals(FANOTIFY) && !watch.equals(INOTIFY)) {
            throw new FuseException(Errno.EINVAL, WATCH + ": expected auto, fanotify or inotify, got "
                    + describe(value));
        }
        return watch;
    }

    /** {@code node_descriptors}: 0 (the default) lets the node cache choose. */
    private static int nodeDescriptors(Map<String, Object> configuration) throws FuseException {
        Object value = configuration.get(NODE_DESCRIPTORS);
        if (value == null || value.toString().isBlank()) {
            return 0;
        }
        long count;
        try {
            count = value instanceof Number n ? n.longValue() : Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new FuseException(Errno.EINVAL, NODE_DESCRIPTORS + ": expected a whole number, got "
                    + describe(value));
        }
        if (count < 0 || count > Integer.MAX_VALUE) {
            throw new FuseException(Errno.EINVAL, NODE_DESCRIPTORS + ": must be 0 (automatic) or more, got "
                    + count);
        }
        return (int) count;
    }

    /** Only the policy part: what {@code reconfigure} may change live. */
    static PassthroughPolicy policy(Map<String, Object> configuration) throws FuseException {
        return PassthroughPolicy.fromConfiguration(configuration);
    }

    private static String describe(Object value) {
        return value == null ? "nothing" : value.getClass().getSimpleName() + " " + value;
    }
}
