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
 * @param reading which of kernel overlayfs's newer on-disk features the overlay follows when it reads the layers
 * @param rootless fuse-overlayfs's options for rootless use
 */
record Settings(List<Path> lowers, Path upper, Path work, boolean userxattr, boolean passthrough,
        PassthroughPolicy policy, Reading reading, Rootless rootless) {
    static final String LOWERDIR = "lowerdir";
    static final String UPPERDIR = "upperdir";
    static final String WORKDIR = "workdir";
    static final String USERXATTR = "userxattr";
    /** The mount's key (fuse.mount validates it); read here only to know whether lower files may pass through. */
    static final String PASSTHROUGH = "passthrough";
    static final String REDIRECT_DIR = "redirect_dir";
    static final String METACOPY = "metacopy";
    static final String INDEX = "index";
    static final String VOLATILE = "volatile";
    static final String SQUASH_TO_ROOT = "squash_to_root";
    static final String SQUASH_TO_UID = "squash_to_uid";
    static final String SQUASH_TO_GID = "squash_to_gid";
    static final String UIDMAPPING = "uidmapping";
    static final String GIDMAPPING = "gidmapping";

    /**
     * What the overlay follows in layers kernel overlayfs wrote with {@code redirect_dir=on} and
     * {@code metacopy=on} (it writes neither itself: renaming a merged directory answers {@code EXDEV}, copy-ups
     * copy the data).
     *
     * @param followRedirects follow {@code overlay.redirect} of directories (and of metacopy files): the kernel's
     *        default ({@code redirect_dir=off} with {@code redirect_always_follow}), {@code redirect_dir=follow};
     *        {@code redirect_dir=nofollow}, and {@code userxattr} (where the kernel never follows), refuse such
     *        directories with {@code EPERM}
     * @param metacopy serve metadata-only copies ({@code overlay.metacopy}) with the data of their lower file
     *        ({@code metacopy=on}); off, as the kernel's default, they answer {@code EPERM}: a metacopy file can
     *        give any lower file's data new owners and modes, so only layers one trusts should be read that way
     * @param index read the kernel's index ({@code index=on}): a lower hard link it copied up through one name is
     *        that copy under its other names too ({@link IndexDir}); this overlay adds no entries
     */
    record Reading(boolean followRedirects, boolean metacopy, boolean index) {
    }

    /**
     * fuse-overlayfs's options for rootless use that this overlay has.
     *
     * @param volatileUpper {@code volatile}: {@code fsync} and {@code fsyncdir} do not reach the upper layer
     *        (kernel overlayfs's {@code volatile}); a crash may lose recent writes, so the work directory carries
     *        the kernel's {@code work/incompat/volatile} mark while mounted
     * @param owners how owners are shown ({@code squash_to_root}, {@code squash_to_uid}, {@code squash_to_gid},
     *        {@code uidmapping}, {@code gidmapping})
     */
    record Rootless(boolean volatileUpper, Owners owners) {
        static final Rootless NONE = new Rootless(false, Owners.AS_STORED);
    }

    Settings {
        lowers = List.copyOf(lowers);
    }

    boolean readOnly() {
        return upper == null;
    }

    /** These settings with another policy: whether two settings differ in more than the policy. */
    Settings withPolicy(PassthroughPolicy other) {
        return new Settings(lowers, upper, work, userxattr, passthrough, other, reading, rootless);
    }

    /** Kernel overlayfs features this overlay neither reads nor writes: only their "off" value is taken. */
    static final List<String> FEATURES_OFF_ONLY = List.of("nfs_export", "xino");
    /** fuse-overlayfs options for rootless use this overlay does not have. */
    static final List<String> UNSUPPORTED = List.of("static_nlink", "noacl", "fast_ino", "plugins",
            "xattr_permissions");

    static Settings parse(Map<String, Object> configuration) throws FuseException {
        refuseUnsupported(configuration);
        boolean userxattr = bool(USERXATTR, configuration.get(USERXATTR), false);
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
        return new Settings(lowers, upper, work, userxattr, bool(PASSTHROUGH, configuration.get(PASSTHROUGH), true),
                PassthroughPolicy.fromConfiguration(configuration), reading(configuration, userxattr),
                rootless(configuration, upper));
    }

    /**
     * {@code redirect_dir}: {@code off} (default) and {@code follow} follow redirects, {@code nofollow} refuses
     * them, {@code on} (writing redirects) is refused; {@code metacopy}: {@code off} (default) or {@code on}
     * (reading only), as the kernel takes them together.
     */
    private static Reading reading(Map<String, Object> configuration, boolean userxattr) throws FuseException {
        String redirect = word(REDIRECT_DIR, configuration.get(REDIRECT_DIR), "off");
        boolean follow = switch (redirect) {
            case "off", "follow" -> true;
            case "nofollow" -> false;
            case "on" -> throw invalid(REDIRECT_DIR + ": 'on' is not supported: this overlay follows the redirects "
                    + "kernel overlayfs wrote (redirect_dir=follow, the default) but writes none; renaming a merged "
                    + "directory answers EXDEV (mv copies)");
            default -> throw invalid(REDIRECT_DIR + ": expected off, follow or nofollow, got '" + redirect + "'");
        };
        boolean explicit = configuration.get(REDIRECT_DIR) != null;
        if (userxattr && follow) {
            if (explicit && redirect.equals("follow")) {
                throw invalid(REDIRECT_DIR + ": 'follow' conflicts with userxattr (user.overlay.redirect is never "
                        + "followed, as in the kernel)");
            }
            follow = false;
        }
        boolean metacopy = bool(METACOPY, configuration.get(METACOPY), false);
        if (metacopy && !follow) {
            throw invalid(METACOPY + ": 'on' needs redirects followed (a renamed metadata-only copy finds its data "
                    + "by its redirect): not with " + (userxattr ? "userxattr" : "redirect_dir=nofollow"));
        }
        return new Reading(follow, metacopy, bool(INDEX, configuration.get(INDEX), false));
    }

    /** {@code volatile} (a flag), {@code squash_to_root} (a flag), {@code squash_to_uid=N}, {@code squash_to_gid=N}. */
    private static Rootless rootless(Map<String, Object> configuration, Path upper) throws FuseException {
        boolean volatileUpper = bool(VOLATILE, configuration.get(VOLATILE), false);
        if (volatileUpper && upper == null) {
            throw invalid(VOLATILE + ": a read-only overlay (no upperdir) has nothing to sync");
        }
        boolean root = bool(SQUASH_TO_ROOT, configuration.get(SQUASH_TO_ROOT), false);
        int uid = id(SQUASH_TO_UID, configuration.get(SQUASH_TO_UID));
        int gid = id(SQUASH_TO_GID, configuration.get(SQUASH_TO_GID));
        // As in fuse-overlayfs, squash_to_uid and squash_to_gid take precedence over squash_to_root.
        if (root && uid == -1) {
            uid = 0;
        }
        if (root && gid == -1) {
            gid = 0;
        }
        return new Rootless(volatileUpper, new Owners(uid, gid, mapping(UIDMAPPING, configuration.get(UIDMAPPING)),
                mapping(GIDMAPPING, configuration.get(GIDMAPPING))));
    }

    /**
     * fuse-overlayfs's {@code host:shown:count[:host:shown:count...]} (a ',' may separate the triples too, or
     * they come as a list): the id on the layers, the id shown through the overlay, how many follow.
     */
    private static Owners.IdMap mapping(String key, Object value) throws FuseException {
        List<String> numbers = new ArrayList<>();
        if (value == null || value instanceof String s && s.isBlank()) {
            return Owners.IdMap.IDENTITY;
        }
        List<Object> parts = new ArrayList<>();
        if (value instanceof String s) {
            parts.add(s);
        } else if (value.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(value); i++) {
                parts.add(Array.get(value, i));
            }
        } else if (value instanceof Collection<?> c) {
            parts.addAll(c);
        } else {
            throw invalid(key + ": expected host:shown:count triples, got " + describe(value));
        }
        for (Object part : parts) {
            for (String n : String.valueOf(part).split("[:,]", -1)) {
                numbers.add(n.trim());
            }
        }
        if (numbers.size() % 3 != 0) {
            throw invalid(key + ": expected host:shown:count triples, got '" + value + "'");
        }
        List<Owners.IdMap.Range> ranges = new ArrayList<>();
        for (int i = 0; i < numbers.size(); i += 3) {
            long host = number(key, value, numbers.get(i));
            long shown = number(key, value, numbers.get(i + 1));
            long count = number(key, value, numbers.get(i + 2));
            if (count == 0 || host + count > 0xFFFF_FFFFL || shown + count > 0xFFFF_FFFFL) {
                throw invalid(key + ": the range " + host + ":" + shown + ":" + count + " is empty or goes past "
                        + "the largest id (4294967294)");
            }
            ranges.add(new Owners.IdMap.Range(host, shown, count));
        }
        return new Owners.IdMap(ranges);
    }

    private static long number(String key, Object value, String text) throws FuseException {
        try {
            long n = Long.parseLong(text);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(key + ": '" + text + "' in '" + value + "' is not an id or a count");
    }

    /** A user or group id ({@code 0..2^32-2}, as an unsigned int), -1 when not set. */
    private static int id(String key, Object value) throws FuseException {
        if (value == null || value instanceof String s && s.isBlank()) {
            return -1;
        }
        long id;
        if (value instanceof Number n && !(value instanceof Double || value instanceof Float)) {
            id = n.longValue();
        } else if (value instanceof String s) {
            try {
                id = Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                throw invalid(key + ": expected a numeric id, got '" + s + "'");
            }
        } else {
            throw invalid(key + ": expected a numeric id, got " + describe(value));
        }
        if (id < 0 || id >= 0xFFFF_FFFFL) {
            throw invalid(key + ": " + id + " is not a valid id (0 to 4294967294)");
        }
        return (int) id;
    }

    private static String word(String key, Object value, String fallback) throws FuseException {
        if (value == null || value instanceof String s && s.isBlank()) {
            return fallback;
        }
        if (value instanceof Boolean b) {
            return b ? "on" : "off";
        }
        if (!(value instanceof String s)) {
            throw invalid(key + ": expected a word, got " + describe(value));
        }
        return s.trim().toLowerCase(java.util.Locale.ROOT);
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
                    throw invalid(LOWERDIR + ": empty entry in '" + text + "' (data-only layers, '::', are not "
                            + "supported)");
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
