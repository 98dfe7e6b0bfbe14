package fuse.backend.overlay.internal;

import java.lang.reflect.Array;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.api.policy.PassthroughPolicy;

/**
 * The overlay backend's settings parsed from a mount's configuration ({@link OverlayBackendSettings} documents
 * them). Only the syntax is checked here; whether the directories exist, are usable and do not overlap is checked
 * when {@link Layers#open} opens them. Every error is a {@code FuseException(EINVAL)} whose message starts with
 * the setting's name, e.g. {@code "lowerdir: must name at least one directory"}.
 *
 * @param lowers the lower directories, top first (the first one hides the ones after it)
 * @param upper the writable upper directory, or {@code null} for a read-only overlay
 * @param work the work directory (same file system as {@code upper}), {@code null} exactly when {@code upper} is
 * @param userxattr keep overlay metadata in {@code user.overlay.*} instead of {@code trusted.overlay.*}
 * @param passthrough the mount's own {@code passthrough} key: when the mount does not pass files through, read-only
 *        opens of lower files are not offered for passthrough either, so they never hold up opens for writing
 * @param policy which opens the overlay offers for passthrough ({@code policy}, {@code rules}): the only setting
 *        that changes live ({@link OverlayFileSystem#reconfigure})
 */
record Settings(List<Path> lowers, Path upper, Path work, boolean userxattr, boolean passthrough,
        PassthroughPolicy policy) {
    static final String LOWERDIR = "lowerdir";
    static final String UPPERDIR = "upperdir";
    static final String WORKDIR = "workdir";
    static final String USERXATTR = "userxattr";
    /** The mount's key (fuse.mount validates it); read here only to know whether lower files may pass through. */
    static final String PASSTHROUGH = "passthrough";

    Settings {
        lowers = List.copyOf(lowers);
    }

    boolean readOnly() {
        return upper == null;
    }

    /** These settings with another policy: whether two settings differ in more than the policy. */
    Settings withPolicy(PassthroughPolicy other) {
        return new Settings(lowers, upper, work, userxattr, passthrough, other);
    }

    /** Kernel overlayfs features this overlay neither reads nor writes: only their "off" value is taken. */
    static final List<String> FEATURES_OFF_ONLY = List.of("redirect_dir", "index", "metacopy", "nfs_export", "xino");
    /** fuse-overlayfs options for rootless use this overlay does not have. */
    static final List<String> UNSUPPORTED = List.of("volatile", "squash_to_root", "squash_to_uid", "squash_to_gid",
            "uidmapping", "gidmapping");

    static Settings parse(Map<String, Object> configuration) throws FuseException {
        refuseUnsupported(configuration);
        List<Path> lowers = new ArrayList<>();
        for (String entry : lowerEntries(configuration.get(LOWERDIR))) {
            lowers.add(path(LOWERDIR, entry));
        }
        if (lowers.isEmpty()) {
            throw invalid(LOWERDIR + ": must name at least one directory (a ':'-separated list, top layer first, "
                    + "or a list of paths)");
        }
        Path upper = optionalPath(configuration, UPPERDIR);
        Path work = optionalPath(configuration, WORKDIR);
        if (upper != null && work == null) {
            throw invalid(WORKDIR + ": must be set together with upperdir (an empty directory on the same file "
                    + "system as " + upper + ")");
        }
        if (upper == null && work != null) {
            throw invalid(WORKDIR + ": is set but upperdir is not; a read-only overlay has neither");
        }
        return new Settings(lowers, upper, work, bool(USERXATTR, configuration.get(USERXATTR), false),
                bool(PASSTHROUGH, configuration.get(PASSTHROUGH), true),
                PassthroughPolicy.fromConfiguration(configuration));
    }

    /**
     * Asking for a feature the overlay does not have is an error naming it, not a mount that silently lacks it
     * (what the overlay reads and writes is kernel overlayfs's format with these features off).
     */
    private static void refuseUnsupported(Map<String, Object> configuration) throws FuseException {
        for (String key : FEATURES_OFF_ONLY) {
            Object value = configuration.get(key);
            if (value != null && !value.toString().trim().equalsIgnoreCase("off")) {
                throw invalid(key + ": '" + value + "' is not supported; this overlay reads and writes layers as "
                        + "kernel overlayfs does with " + key + "=off (the only value taken)");
            }
        }
        for (String key : UNSUPPORTED) {
            if (configuration.containsKey(key)) {
                throw invalid(key + ": not supported by this overlay (a fuse-overlayfs option)");
            }
        }
    }

    /**
     * The lower directories as ConfigAdmin may hold them: one string split like the kernel's option at unescaped
     * ':' (a '\' escapes the next character, so "a\:b" names the directory "a:b"), or an array or collection of
     * paths taken verbatim.
     */
    private static List<String> lowerEntries(Object value) throws FuseException {
        List<String> entries = new ArrayList<>();
        if (value == null) {
            return entries;
        }
        if (value instanceof String text) {
            if (text.isBlank()) {
                return entries;
            }
            entries.addAll(splitColons(text));
        } else if (value.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(value); i++) {
                entries.add(element(Array.get(value, i)));
            }
        } else if (value instanceof Collection<?> collection) {
            for (Object element : collection) {
                entries.add(element(element));
            }
        } else {
            throw invalid(LOWERDIR + ": expected a ':'-separated string or a list of paths, got " + describe(value));
        }
        return entries;
    }

    static List<String> splitColons(String text) throws FuseException {
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                current.append(text.charAt(++i));
            } else if (c == ':') {
                if (current.isEmpty()) {
                    throw invalid(LOWERDIR + ": empty entry in '" + text + "' (data-only layers, '::', need metacopy "
                            + "and redirects, which this backend does not support)");
                }
                parts.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        if (current.isEmpty()) {
            throw invalid(LOWERDIR + ": empty entry at the end of '" + text + "'");
        }
        parts.add(current.toString());
        return parts;
    }

    private static String element(Object element) throws FuseException {
        if (!(element instanceof String s)) {
            throw invalid(LOWERDIR + ": expected path strings, got " + describe(element));
        }
        if (s.isBlank()) {
            throw invalid(LOWERDIR + ": empty entry in the list");
        }
        return s;
    }

    private static Path optionalPath(Map<String, Object> configuration, String key) throws FuseException {
        Object value = configuration.get(key);
        if (value == null || value instanceof String s && s.isBlank()) {
            return null;
        }
        if (!(value instanceof String text)) {
            throw invalid(key + ": expected a path string, got " + describe(value));
        }
        return path(key, text);
    }

    private static Path path(String key, String text) throws FuseException {
        Path path;
        try {
            path = Path.of(text.trim());
        } catch (InvalidPathException e) {
            throw invalid(key + ": '" + text + "' is not a path: " + e.getMessage());
        }
        if (!path.isAbsolute()) {
            throw invalid(key + ": must be an absolute path, got '" + text + "'");
        }
        return path.normalize();
    }

    private static boolean bool(String key, Object value, boolean fallback) throws FuseException {
        if (value == null) {
            return fallback;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        if (value instanceof String s) {
            switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "true", "yes", "on", "1" -> {
                    return true;
                }
                case "false", "no", "off", "0" -> {
                    return false;
                }
                case "" -> {
                    return fallback;
                }
                default -> {
                }
            }
        }
        throw invalid(key + ": expected true or false, got " + describe(value));
    }

    private static FuseException invalid(String message) {
        return new FuseException(Errno.EINVAL, message);
    }

    private static String describe(Object value) {
        return value == null ? "nothing" : value.getClass().getSimpleName() + " '" + value + "'";
    }
}
