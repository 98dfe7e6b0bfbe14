package fuse.mount.internal;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import fuse.channel.ChannelTransport;
import fuse.channel.MountOptions;
import fuse.mount.MountException;

/**
 * A {@code fuse.mount} configuration, parsed and checked: the one place for the keys, their defaults and their
 * error messages. Values come as ConfigAdmin holds them (typed from Metatype, or strings from a {@code .cfg}
 * file), so every key accepts both.
 *
 * @param name the configuration's PID (or a label) for messages
 * @param entryTimeoutNanos as set, or {@link #UNSET}: then per {@link Coherence} ({@link #entryTimeoutNanos(boolean)})
 * @param attrTimeoutNanos likewise
 * @param negativeTimeoutNanos likewise, or following the entry timeout
 * @param maxRead the mount option max_read (bytes), or {@link MountOptions#UNLIMITED_READ}
 * @param properties the whole configuration, mount keys and the backend's own settings, as given
 */
public record MountConfig(
        String name,
        Path mountpoint,
        String backend,
        int threads,
        boolean allowOther,
        boolean defaultPermissions,
        int maxStackDepth,
        boolean passthrough,
        boolean writebackCache,
        ChannelTransport transport,
        boolean readOnly,
        Coherence coherence,
        long entryTimeoutNanos,
        long attrTimeoutNanos,
        long negativeTimeoutNanos,
        long backendWaitNanos,
        int maxOpenFiles,
        int maxRead,
        Map<String, Object> properties) {

    public static final String MOUNTPOINT = "mountpoint";
    public static final String BACKEND = "backend";
    public static final String THREADS = "threads";
    public static final String ALLOW_OTHER = "allow_other";
    public static final String DEFAULT_PERMISSIONS = "default_permissions";
    public static final String MAX_STACK_DEPTH = "max_stack_depth";
    public static final String PASSTHROUGH = "passthrough";
    public static final String WRITEBACK_CACHE = "writeback_cache";
    public static final String TRANSPORT = "transport";
    public static final String READ_ONLY = "read_only";
    public static final String ENTRY_TIMEOUT = "entry_timeout";
    public static final String ATTR_TIMEOUT = "attr_timeout";
    public static final String NEGATIVE_TIMEOUT = "negative_timeout";
    public static final String BACKEND_WAIT = "backend_wait";
    public static final String COHERENCE = "coherence";
    public static final String MAX_OPEN_FILES = "max_open_files";
    public static final String FORGET_ON_UNMOUNT = "forget_on_unmount";
    public static final String FSNAME = "fsname";
    public static final String MAX_READ = "max_read";
    public static final String WARM_UP = "warm_up";

    public static final String DEFAULT_BACKEND = "local";
    /** io_uring where the kernel offers it (fuse module parameter enable_uring), else /dev/fuse: works everywhere. */
    public static final ChannelTransport DEFAULT_TRANSPORT = ChannelTransport.AUTO;
    /** The cache timeout when nothing tells the kernel about changes behind the mount. */
    public static final double DEFAULT_TIMEOUT_SECONDS = 1.0;
    /**
     * The cache timeout while the backend watches its source and invalidates what changed: long, but not
     * forever, so that a change the watch cannot see (another host writing to a network file system) shows within
     * the hour.
     */
    public static final double WATCHED_TIMEOUT_SECONDS = 3600.0;
    /** A timeout key left unset: the coherence mode decides. */
    public static final long UNSET = -1;

    /** How the kernel's caches learn of changes made behind the mount (key {@code coherence}). */
    public enum Coherence {
        /** Watch where the backend can, else expire by timeout. */
        AUTO,
        /** Watch; a backend that cannot fails to open. */
        WATCH,
        /** Never watch: short timeouts. */
        TIMEOUT;

        /** The configuration value. */
        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
    public static final double DEFAULT_BACKEND_WAIT_SECONDS = 5.0;
    /**
     * Open files and directories the kernel may hold on one mount: each costs the server a descriptor, so a bound
     * per mount keeps one mount (or one user of it) from taking the descriptors every other mount needs. 0, the
     * default, is a share of the process's descriptor limit ({@link OpenFileBudget}).
     */
    public static final int DEFAULT_MAX_OPEN_FILES = 0;

    /** Changing one of these needs a new mount; the others apply to the live mount. */
    private static final Set<String> REMOUNT_KEYS = Set.of(MOUNTPOINT, THREADS, ALLOW_OTHER, DEFAULT_PERMISSIONS,
            MAX_STACK_DEPTH, PASSTHROUGH, WRITEBACK_CACHE, TRANSPORT, READ_ONLY, COHERENCE, FSNAME, MAX_READ);
    /** The mount's own keys, which a backend ignores. */
    private static final Set<String> MOUNT_KEYS = Set.of(MOUNTPOINT, BACKEND, THREADS, ALLOW_OTHER,
            DEFAULT_PERMISSIONS, MAX_STACK_DEPTH, PASSTHROUGH, WRITEBACK_CACHE, TRANSPORT, READ_ONLY, ENTRY_TIMEOUT,
            ATTR_TIMEOUT, NEGATIVE_TIMEOUT, BACKEND_WAIT, COHERENCE, MAX_OPEN_FILES, FORGET_ON_UNMOUNT, FSNAME,
            MAX_READ, WARM_UP);
    /**
     * Prefixes of the keys ConfigAdmin, FileInstall and DS add ({@code service.pid},
     * {@code felix.fileinstall.filename}, {@code component.name}, {@code osgi.ds.satisfying.condition.target}…);
     * changing them changes nothing.
     */
    private static final List<String> FRAMEWORK_KEY_PREFIXES = List.of("service.", "felix.", "component.", "osgi.",
            ".");

    public MountConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(mountpoint, "mountpoint");
        Objects.requireNonNull(backend, "backend");
        properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties));
    }

    /** Parses and checks a configuration; the exception's message names the key at fault. */
    public static MountConfig parse(String name, Map<String, ?> properties) throws MountException {
        Map<String, Object> props = new LinkedHashMap<>(properties);
        Path mountpoint = mountpoint(props.get(MOUNTPOINT));
        String backend = string(props, BACKEND, DEFAULT_BACKEND);
        if (backend.isBlank()) {
            throw new MountException("backend: must name a backend or be an LDAP filter, got an empty value");
        }
        int threads = integer(props, THREADS, 0);
        if (threads < 0 || threads > 256) {
            throw new MountException("threads: must be between 1 and 256 (0 or unset = one per core), got "
                    + threads);
        }
        if (threads == 0) {
            threads = Runtime.getRuntime().availableProcessors();
        }
        boolean allowOther = bool(props, ALLOW_OTHER, false);
        // allow_other without kernel permission checks would let every user past the backend's own checks.
        boolean defaultPermissions = bool(props, DEFAULT_PERMISSIONS, false) || allowOther;
        int maxStackDepth = integer(props, MAX_STACK_DEPTH, 1);
        if (maxStackDepth < 1 || maxStackDepth > 2) {
            throw new MountException("max_stack_depth: must be 1 (backing files on ext4, xfs, tmpfs…) or 2 (on "
                    + "overlayfs or another FUSE mount), got " + maxStackDepth);
        }
        boolean passthrough = bool(props, PASSTHROUGH, true);
        boolean writebackCache = bool(props, WRITEBACK_CACHE, false);
        if (writebackCache && passthrough) {
            throw new MountException("writeback_cache: the kernel turns passthrough off for a mount with the "
                    + "writeback cache; set passthrough=false to use it");
        }
        String transportKey = string(props, TRANSPORT, DEFAULT_TRANSPORT.key());
        ChannelTransport transport = ChannelTransport.of(transportKey).orElseThrow(() -> new MountException(
                "transport: must be auto, uring or device, got '" + transportKey + "'"));
        int maxOpenFiles = integer(props, MAX_OPEN_FILES, DEFAULT_MAX_OPEN_FILES);
        if (maxOpenFiles < 0) {
            throw new MountException("max_open_files: must be 0 (a share of the descriptor limit) or more, got "
                    + maxOpenFiles);
        }
        int maxRead = integer(props, MAX_READ, MountOptions.UNLIMITED_READ);
        if (maxRead != MountOptions.UNLIMITED_READ && maxRead < MountOptions.MIN_MAX_READ) {
            throw new MountException("max_read: must be 0 (no limit) or at least " + MountOptions.MIN_MAX_READ
                    + " bytes (the kernel raises a smaller value to a page), got " + maxRead);
        }
        Coherence coherence = coherence(props);
        bool(props, FORGET_ON_UNMOUNT, false); // checked here, read by forgetOnUnmount()
        bool(props, WARM_UP, true); // checked here, read by warmUp()
        if (coherence == Coherence.WATCH && writebackCache) {
            throw new MountException("coherence: watch cannot keep a writeback_cache mount coherent (the kernel "
                    + "keeps size and mtime itself); use coherence=timeout or auto");
        }
        return new MountConfig(name, mountpoint, backend.trim(), threads, allowOther, defaultPermissions,
                maxStackDepth, passthrough, writebackCache, transport, bool(props, READ_ONLY, false), coherence,
                seconds(props, ENTRY_TIMEOUT), seconds(props, ATTR_TIMEOUT), seconds(props, NEGATIVE_TIMEOUT),
                seconds(props, BACKEND_WAIT, DEFAULT_BACKEND_WAIT_SECONDS), maxOpenFiles, maxRead, props);
    }

    /**
     * Whether the configuration goes when the mount is unmounted from outside ({@code umount}): set by mount(8)'s
     * helper, since a mount made with mount(8) ends with umount(8) and fstab, not the container, brings it back.
     */
    public boolean forgetOnUnmount() {
        return checkedBool(FORGET_ON_UNMOUNT, false);
    }

    /** Whether this mount may start the listing warm-up beside its own start ({@link ListingWarmUp}). */
    public boolean warmUp() {
        return checkedBool(WARM_UP, true);
    }

    /** A boolean key {@link #parse} checked already: its value, or {@code absent} when it is not set. */
    private boolean checkedBool(String key, boolean absent) {
        try {
            return bool(new LinkedHashMap<>(properties), key, absent);
        } catch (MountException e) {
            return absent; // parse() refused such a value already
        }
    }

    /**
     * The mount's source in the mount table: {@code fsname} as set (mount(8)'s helper sets the fstab source, so
     * that {@code mount -a} sees the line mounted), else the backend. A ',' or '\\' (fusermount3's option
     * separators) becomes '_'.
     */
    public String fsName() {
        Object set = properties.get(FSNAME);
        return set != null && !set.toString().isBlank() ? set.toString().replaceAll("[,\\\\\\p{Cntrl}]", "_")
                : backend.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** The entry timeout in force: as set, else long while the backend watches its source, else short. */
    public long entryTimeoutNanos(boolean watched) {
        return entryTimeoutNanos != UNSET ? entryTimeoutNanos : defaultTimeout(watched);
    }

    public long attrTimeoutNanos(boolean watched) {
        return attrTimeoutNanos != UNSET ? attrTimeoutNanos : defaultTimeout(watched);
    }

    /** A name's absence is as stale as its presence would be: unset, it follows the entry timeout. */
    public long negativeTimeoutNanos(boolean watched) {
        return negativeTimeoutNanos != UNSET ? negativeTimeoutNanos : entryTimeoutNanos(watched);
    }

    private static long defaultTimeout(boolean watched) {
        return Math.round((watched ? WATCHED_TIMEOUT_SECONDS : DEFAULT_TIMEOUT_SECONDS) * 1e9);
    }

    /**
     * Checks that the mountpoint can be mounted on. The mount does not create it: a typo in a configuration
     * should not silently create directories as root ({@code ./run} creates its default mountpoint itself).
     */
    public void checkMountpoint() throws MountException {
        if (!Files.exists(mountpoint)) {
            throw new MountException("mountpoint: " + mountpoint + " does not exist");
        }
        if (!Files.isDirectory(mountpoint)) {
            throw new MountException("mountpoint: " + mountpoint + " is not a directory");
        }
    }

    /** Whether going from this configuration to {@code next} needs a new mount. */
    public boolean needsRemount(MountConfig next) {
        return REMOUNT_KEYS.stream().anyMatch(key -> !Objects.equals(normalized(this, key), normalized(next, key)));
    }

    /** Whether the backend's own settings (every key that is not the mount's) differ. */
    public boolean backendSettingsDiffer(MountConfig next) {
        return !backendSettings().equals(next.backendSettings());
    }

    /** The keys that belong to the backend, with array values made comparable. */
    Map<String, Object> backendSettings() {
        Map<String, Object> result = new LinkedHashMap<>();
        properties.forEach((key, value) -> {
            if (!MOUNT_KEYS.contains(key) && !isFrameworkKey(key)) {
                result.put(key, value instanceof Object[] array ? List.of(array) : value);
            }
        });
        return result;
    }

    private static boolean isFrameworkKey(String key) {
        return FRAMEWORK_KEY_PREFIXES.stream().anyMatch(key::startsWith) || key.endsWith(".target");
    }

    private static Object normalized(MountConfig config, String key) {
        return switch (key) {
            case MOUNTPOINT -> config.mountpoint;
            case THREADS -> config.threads;
            case ALLOW_OTHER -> config.allowOther;
            case DEFAULT_PERMISSIONS -> config.defaultPermissions;
            case MAX_STACK_DEPTH -> config.maxStackDepth;
            case PASSTHROUGH -> config.passthrough;
            case WRITEBACK_CACHE -> config.writebackCache;
            case TRANSPORT -> config.transport;
            case READ_ONLY -> config.readOnly;
            case COHERENCE -> config.coherence;
            case MAX_READ -> config.maxRead;
            // As set, not the default (the backend's name): a swap keeps the mount.
            case FSNAME -> String.valueOf(config.properties.getOrDefault(FSNAME, "")).trim();
            default -> throw new IllegalArgumentException(key);
        };
    }

    private static Path mountpoint(Object value) throws MountException {
        if (value == null || value.toString().isBlank()) {
            throw new MountException("no mountpoint: the setting mountpoint, the directory to mount on, is not set");
        }
        try {
            Path path = Path.of(value.toString().trim());
            if (!path.isAbsolute()) {
                throw new MountException("mountpoint: must be an absolute path, got " + value);
            }
            return path.normalize();
        } catch (InvalidPathException e) {
            throw new MountException("mountpoint: not a valid path: " + value);
        }
    }

    private static String string(Map<String, Object> props, String key, String fallback) {
        Object value = props.get(key);
        if (value instanceof String[] array && array.length > 0) {
            value = array[0];
        }
        return value == null ? fallback : value.toString();
    }

    private static int integer(Map<String, Object> props, String key, int fallback) throws MountException {
        Object value = props.get(key);
        if (value == null || value.toString().isBlank()) {
            return fallback;
        }
        if (value instanceof Number n) {
            return n.intValue();
        }
        try {
            return Integer.parseInt(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new MountException(key + ": must be a whole number, got '" + value + "'");
        }
    }

    private static boolean bool(Map<String, Object> props, String key, boolean fallback) throws MountException {
        Object value = props.get(key);
        if (value == null || value.toString().isBlank()) {
            return fallback;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        return switch (value.toString().trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new MountException(key + ": must be true or false, got '" + value + "'");
        };
    }

    private static Coherence coherence(Map<String, Object> props) throws MountException {
        String value = string(props, COHERENCE, "").trim();
        if (value.isEmpty()) {
            return Coherence.AUTO;
        }
        for (Coherence c : Coherence.values()) {
            if (c.key().equalsIgnoreCase(value)) {
                return c;
            }
        }
        throw new MountException("coherence: must be auto, watch or timeout, got '" + value + "'");
    }

    /** A number of seconds in nanoseconds, or {@link #UNSET} when the key is not set (or blank). */
    private static long seconds(Map<String, Object> props, String key) throws MountException {
        Object value = props.get(key);
        return value == null || value.toString().isBlank() ? UNSET : seconds(props, key, 0);
    }

    private static long seconds(Map<String, Object> props, String key, double fallback) throws MountException {
        Object value = props.get(key);
        double seconds;
        if (value == null || value.toString().isBlank()) {
            seconds = fallback;
        } else if (value instanceof Number n) {
            seconds = n.doubleValue();
        } else {
            try {
                seconds = Double.parseDouble(value.toString().trim());
            } catch (NumberFormatException e) {
                throw new MountException(key + ": must be a number of seconds, got '" + value + "'");
            }
        }
        if (!(seconds >= 0) || seconds > 365 * 86400.0) {
            throw new MountException(key + ": must be a number of seconds between 0 and a year, got " + value);
        }
        return Math.round(seconds * 1e9);
    }
}
