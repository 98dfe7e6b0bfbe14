package fuse.backend.audit;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.Locale;
import java.util.Map;

import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.posix.nodes.HostRootSettings;

/**
 * This backend's settings read from a mount's configuration. Values come as ConfigAdmin holds them: typed (from
 * Metatype or a console) or as text (from a {@code .cfg} file), so each accepts both. A bad value is reported as
 * {@code EINVAL} with a message that starts with the key, which the mount shows the operator as it is.
 *
 * @param audit the glob as given, for messages
 */
record Settings(Path root, String audit, PathMatcher audited, boolean writable) {
    static final String AUDIT = "audit";
    static final String WRITABLE = "writable";
    static final String DEFAULT_AUDIT = "*.log";

    static Settings parse(Map<String, Object> configuration) throws FuseException {
        Path root = HostRootSettings.parseRoot(configuration);
        String audit = configuration.getOrDefault(AUDIT, DEFAULT_AUDIT).toString().trim();
        PathMatcher matcher;
        try {
            matcher = FileSystems.getDefault().getPathMatcher("glob:" + audit);
        } catch (IllegalArgumentException e) { // PatternSyntaxException included
            throw invalid(AUDIT + ": not a valid glob: '" + audit + "'");
        }
        return new Settings(root, audit, matcher, bool(configuration.get(WRITABLE)));
    }

    private static boolean bool(Object value) throws FuseException {
        if (value == null || value instanceof Boolean) {
            return Boolean.TRUE.equals(value);
        }
        return switch (value.toString().trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false", "" -> false;
            default -> throw invalid(WRITABLE + ": must be true or false, got '" + value + "'");
        };
    }

    /** Whether opens of a file of this name are audited. */
    boolean audits(String name) {
        return audited.matches(Path.of(name));
    }

    private static FuseException invalid(String message) {
        return new FuseException(Errno.EINVAL, message);
    }
}
