package fuse.backend.local.internal;

import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import fuse.api.Errno;
import fuse.api.FuseException;

/**
 * The local backend's settings parsed from a mount's configuration ({@link LocalBackendSettings} documents them).
 * Errors are {@code FuseException(EINVAL)} whose message starts with the setting's name, e.g.
 * {@code "policy: expected always, never or rules, got 'sometimes'"}. Whether {@code root} exists is checked when
 * the file system opens it ({@link LocalFileSystem#open}).
 */
record Settings(Path root, PassthroughPolicy policy, int nodeDescriptors) {
    static final String ROOT = "root";
    static final String POLICY = "policy";
    static final String RULES = "rules";
    static final String NODE_DESCRIPTORS = "node_descriptors";

    static Settings parse(Map<String, Object> configuration) throws FuseException {
        Object rootValue = configuration.get(ROOT);
        if (rootValue == null || rootValue.toString().isBlank()) {
            throw new FuseException(Errno.EINVAL, ROOT + ": must be set to the host directory to mirror");
        }
        if (!(rootValue instanceof String rootText)) {
            throw new FuseException(Errno.EINVAL, ROOT + ": expected a path string, got " + describe(rootValue));
        }
        Path root;
        try {
            root = Path.of(rootText.trim());
        } catch (RuntimeException e) {
            throw new FuseException(Errno.EINVAL, ROOT + ": '" + rootText + "' is not a path: " + e.getMessage());
        }
        if (!root.isAbsolute()) {
            throw new FuseException(Errno.EINVAL, ROOT + ": must be an absolute path, got '" + rootText + "'");
        }
        return new Settings(root.normalize(), policy(configuration), nodeDescriptors(configuration));
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
        Object policyValue = configuration.get(POLICY);
        if (policyValue != null && !(policyValue instanceof String)) {
            throw new FuseException(Errno.EINVAL, POLICY + ": expected always, never or rules, got "
                    + describe(policyValue));
        }
        try {
            return PassthroughPolicy.parse((String) policyValue, rules(configuration.get(RULES)));
        } catch (IllegalArgumentException e) {
            throw new FuseException(Errno.EINVAL, e.getMessage());
        }
    }

    /** Rules as ConfigAdmin may hold them: a String[] or collection, or one string separated by ';' or newlines. */
    private static List<String> rules(Object value) throws FuseException {
        List<String> rules = new ArrayList<>();
        if (value == null) {
            return rules;
        }
        if (value instanceof String text) {
            for (String rule : text.split("[;\\n]")) {
                add(rules, rule);
            }
        } else if (value.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(value); i++) {
                add(rules, element(Array.get(value, i)));
            }
        } else if (value instanceof Collection<?> collection) {
            for (Object element : collection) {
                add(rules, element(element));
            }
        } else {
            throw new FuseException(Errno.EINVAL, RULES + ": expected a list of rule strings, got " + describe(value));
        }
        return rules;
    }

    private static String element(Object element) throws FuseException {
        if (!(element instanceof String s)) {
            throw new FuseException(Errno.EINVAL, RULES + ": expected rule strings, got " + describe(element));
        }
        return s;
    }

    private static void add(List<String> rules, String rule) {
        if (!rule.isBlank()) {
            rules.add(rule.trim());
        }
    }

    private static String describe(Object value) {
        return value == null ? "nothing" : value.getClass().getSimpleName() + " " + value;
    }
}
