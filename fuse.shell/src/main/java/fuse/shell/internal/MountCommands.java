package fuse.shell.internal;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.channel.FuseChannel;
import fuse.mount.FuseMount;
import fuse.mount.MountException;
import fuse.mount.MountState;
import fuse.shell.internal.Registry.MountService;

/**
 * {@code fuse:mounts}, {@code fuse:mount}, {@code fuse:unmount}, {@code fuse:swap} and {@code fuse:policy}. Mounts
 * are {@code fuse.mount} factory configurations in ConfigAdmin, so whatever these commands do survives a restart;
 * the commands then wait (bounded) for the mount to act on it and report the outcome, undoing a change the mount
 * rejected so that no broken configuration is left behind.
 */
@Component(service = MountCommands.class, property = "service.description=FUSE mounts: list, mount, unmount, "
        + "swap the backend, passthrough policy")
@Command(scope = "fuse", function = {"mounts", "mount", "unmount", "swap", "policy"})
public final class MountCommands {
    private static final Logger LOG = LoggerFactory.getLogger(MountCommands.class);
    static final String WRONG = "(any other arguments: prints the usage)";
    static final String WAIT_FLAG = "--wait";
    static final String WAIT_MEANING = "save the mount even though no such backend is registered yet: it comes up "
            + "and waits for one (backend_wait)";
    private static final Duration MOUNT_WAIT = Duration.ofSeconds(15);
    private static final Duration INIT_WAIT = Duration.ofSeconds(2);
    private static final Duration APPLY_WAIT = Duration.ofSeconds(15);
    private static final String POLICY = "policy";
    private static final String RULES = "rules";
    private static final Set<String> POLICIES = Set.of("always", "never", "rules");

    private final Registry registry;

    @Activate
    public MountCommands(@Reference Registry registry) {
        this.registry = registry;
    }

    // ---- fuse:mounts -------------------------------------------------------------------------------------------

    @Descriptor("lists the mounts: mountpoint, backend, state, FUSE connection, protocol and transport, passthrough, "
            + "open files")
    public String mounts() {
        return run(Usage.MOUNTS, () -> {
            Table table = Table.of("MOUNTPOINT", "BACKEND", "STATE", "CONNECTION", "FUSE", "PASSTHROUGH", "OPEN",
                    "CONFIGURATION").numeric(3, 6);
            List<String> problems = new ArrayList<>();
            List<String> coherence = new ArrayList<>();
            List<MountService> services = registry.mounts();
            for (MountService service : services) {
                FuseMount mount = service.mount();
                long connection = mount.connectionId();
                table.row(mount.mountpoint(), Formats.backend(mount), Formats.state(mount),
                        connection < 0 ? null : connection, Formats.protocol(mount), Formats.passthrough(mount),
                        mount.openFiles(), service.pid());
                mount.problem().ifPresent(problem -> problems.add(mount.mountpoint() + ": " + problem));
                coherence.add(mount.mountpoint() + ": coherence " + mount.coherence());
            }
            for (Configuration configuration : registry.configurations()) {
                if (services.stream().noneMatch(s -> s.pid().equals(configuration.getPid()))) {
                    // Saved but not acted on: the mount bundle is stopped, or the configuration is being applied.
                    table.row(Registry.mountpoint(configuration).orElse(null),
                            configuration.getProperties().get(Registry.BACKEND), "INACTIVE", null, null, null,
                            null, configuration.getPid());
                }
            }
            if (table.isEmpty()) {
                return "no mounts (" + Usage.MOUNT + " adds one)";
            }
            return Table.blocks(table, String.join("\n", coherence), String.join("\n", problems));
        });
    }

    @Descriptor(WRONG)
    public String mounts(@Descriptor("arguments this command does not take") String... arguments) {
        if (Help.asked(arguments)) {
            return help("mounts", arguments);
        }
        throw CommandException.usage(Usage.MOUNTS, "takes no arguments");
    }

    // ---- fuse:mount --------------------------------------------------------------------------------------------

    @Descriptor("mounts a backend at a directory and saves it in ConfigAdmin (it comes back after a restart)")
    public String mount(
            @Descriptor("an existing directory, absolute path") String mountpoint,
            @Descriptor("the backend's name (see fuse:backends) or an LDAP filter over backend properties, quoted: "
                    + "'(fuse.backend.name=local)'")
            String backend,
            @Descriptor("mount options and backend settings as key=value, e.g. root=/srv/data allow_other=true "
                    + "threads=4 passthrough=false policy=never; lists separated by ','") String... settings) {
        if (Help.asked(mountpoint, backend) || Help.asked(settings)) {
            return help("mount", backend);
        }
        return run(Usage.MOUNT, () -> {
            Path path = mountpoint(Usage.MOUNT, mountpoint);
            checkBackendArgument(Usage.MOUNT, backend);
            boolean wait = Arrays.asList(settings).contains(WAIT_FLAG);
            Map<String, Object> parsed = settings(Usage.MOUNT, Arrays.stream(settings)
                    .filter(s -> !s.equals(WAIT_FLAG)).toArray(String[]::new), backend);
            checkDirectory(path);
            Optional<Configuration> existing = registry.configuration(path);
            if (existing.isPresent()) {
                if (isGone(existing.get())) {
                    return remount(existing.get(), path, backend.trim(), parsed);
                }
                throw CommandException.failed(Usage.MOUNT, path + " is already mounted (configuration "
                        + existing.get().getPid() + "); fuse:swap changes its backend, fuse:unmount removes it");
            }
            if (isMountPoint(path)) {
                throw CommandException.failed(Usage.MOUNT, path + " is already mounted (not by this container: "
                        + "fuse:mounts does not list it); unmount it or choose another directory");
            }
            if (!wait && !backend.trim().startsWith("(") && registry.backend(backend.trim()).isEmpty()) {
                throw CommandException.failed(Usage.MOUNT, "no backend named '" + backend.trim() + "' is registered "
                        + "(fuse:backends lists them); nothing saved. " + WAIT_FLAG + " saves the mount to wait for "
                        + "one");
            }
            Hashtable<String, Object> properties = new Hashtable<>();
            properties.put(Registry.MOUNTPOINT, path.toString());
            properties.put(Registry.BACKEND, backend.trim());
            properties.putAll(parsed);
            Configuration configuration = registry.newConfiguration(path);
            configuration.update(properties);
            return mounted(configuration, path, backend.trim());
        });
    }

    @Descriptor(WRONG)
    public String mount(@Descriptor("the arguments given") String... arguments) {
        if (Help.asked(arguments)) {
            return help("mount", arguments);
        }
        throw CommandException.usage(Usage.MOUNT, arguments.length == 0 ? "missing <mountpoint> and <backend>"
                : "missing <backend>");
    }

    /** Waits for the new mount and reports it; a mount that failed leaves no configuration behind. */
    private String mounted(Configuration configuration, Path path, String backend) throws IOException {
        String pid = configuration.getPid();
        Optional<MountService> service = Await.until(MOUNT_WAIT,
                () -> registry.mountByPid(pid).filter(s -> Formats.settled(s.mount())));
        if (service.isEmpty()) {
            return "saved " + pid + "; " + path + " is not mounted yet (fuse:mounts shows its state)";
        }
        FuseMount mount = service.get().mount();
        switch (mount.state()) {
            case FAILED -> {
                String problem = mount.problem().orElse("unknown problem");
                configuration.delete();
                throw CommandException.failed(Usage.MOUNT, path + " not mounted: " + problem + " (nothing saved)");
            }
            case WAITING_FOR_BACKEND -> {
                return "mounted " + path + " (" + pid + "); no backend matches '" + backend + "' yet: requests "
                        + "wait for one (fuse:backends lists them)";
            }
            default -> {
                Await.until(INIT_WAIT, () -> mount.init().isPresent());
                return "mounted " + path + " (" + pid + "): " + describe(mount);
            }
        }
    }

    /** Whether {@code path} is in the mount table; {@code true} when the table cannot be read (not claimed gone). */
    private static boolean inMountTable(Path path) {
        try {
            return FuseChannel.isMountPoint(path);
        } catch (IOException e) {
            return true;
        }
    }

    /** Whether the configuration's mount went away by itself (unmounted from outside, or aborted). */
    private boolean isGone(Configuration configuration) {
        return registry.mountByPid(configuration.getPid())
                .filter(service -> service.mount().state() == MountState.UNMOUNTED).isPresent();
    }

    /**
     * Mounts a configuration again whose mount was taken away from outside ({@code umount -l}, an abort), with the
     * backend and settings given now over the saved ones.
     */
    private String remount(Configuration configuration, Path path, String backend, Map<String, Object> settings)
            throws IOException {
        String pid = configuration.getPid();
        Map<String, Object> given = new LinkedHashMap<>(settings);
        given.put(Registry.BACKEND, backend);
        Map<String, Object> changes = new LinkedHashMap<>();
        Dictionary<String, Object> saved = configuration.getProperties();
        stored(configuration, given).forEach((key, value) -> {
            if (!Objects.deepEquals(saved.get(key), value)) {
                changes.put(key, given.get(key));
            }
        });
        if (changes.isEmpty()) {
            try {
                registry.mountByPid(pid).orElseThrow(() -> CommandException.failed(Usage.MOUNT, pid
                        + " is not active")).mount().remount();
            } catch (MountException e) {
                throw CommandException.failed(Usage.MOUNT, e.getMessage());
            }
        } else {
            apply(Usage.MOUNT, configuration, changes); // a changed configuration of a gone mount mounts anew
        }
        Optional<MountService> service = Await.until(MOUNT_WAIT, () -> registry.mountByPid(pid)
                .filter(s -> s.mount().state() != MountState.UNMOUNTED && Formats.settled(s.mount())));
        if (service.isEmpty()) {
            return "saved " + pid + "; " + path + " is not mounted again yet (fuse:mounts shows its state)";
        }
        FuseMount mount = service.get().mount();
        if (mount.state() == MountState.FAILED) {
            throw CommandException.failed(Usage.MOUNT, path + " not mounted again: "
                    + mount.problem().orElse("unknown problem"));
        }
        Await.until(INIT_WAIT, () -> mount.init().isPresent());
        return "mounted " + path + " again (" + pid + ", it had been unmounted from outside): " + describe(mount);
    }

    private static String describe(FuseMount mount) {
        StringBuilder text = new StringBuilder("backend ").append(Formats.backend(mount));
        if (mount.connectionId() >= 0) {
            text.append(", connection ").append(mount.connectionId());
        }
        String protocol = Formats.protocol(mount);
        if (protocol != null) {
            text.append(", FUSE ").append(protocol).append(", passthrough ").append(Formats.passthrough(mount));
        }
        return text.toString();
    }

    // ---- fuse:unmount ------------------------------------------------------------------------------------------

    @Descriptor("unmounts and deletes the mount's configuration (and its load/ file, if it came from one)")
    public String unmount(@Descriptor("the mountpoint, as fuse:mounts lists it") String mountpoint) {
        if (Help.asked(mountpoint)) {
            return help("unmount");
        }
        return run(Usage.UNMOUNT, () -> {
            Path path = mountpoint(Usage.UNMOUNT, mountpoint);
            Configuration configuration = registry.configuration(path).orElseThrow(() -> CommandException
                    .failed(Usage.UNMOUNT, "no mount at " + path + " (fuse:mounts lists them)"));
            String pid = configuration.getPid();
            Optional<LoadFile> file = LoadFile.of(configuration);
            if (file.isPresent()) {
                file.get().delete(); // else FileInstall makes the configuration again from it
            }
            configuration.delete();
            boolean gone = Await.until(MOUNT_WAIT, () -> registry.mountByPid(pid).isEmpty());
            String from = file.map(f -> " (deleted " + f.displayName() + ")").orElse("");
            if (!gone) {
                return "deleted " + pid + from + "; " + path + " is still being unmounted (open files?)";
            }
            // The service goes before its mount is closed (DS unregisters, then deactivates): wait for the table.
            if (!Await.until(MOUNT_WAIT, () -> !inMountTable(path))) {
                throw CommandException.failed(Usage.UNMOUNT, "deleted " + pid + from + ", but " + path
                        + " is still in the mount table (the log says why); umount -l " + path + " takes it away");
            }
            return "unmounted " + path + from;
        });
    }

    @Descriptor(WRONG)
    public String unmount(@Descriptor("the arguments given") String... arguments) {
        if (Help.asked(arguments)) {
            return help("unmount");
        }
        throw CommandException.usage(Usage.UNMOUNT, arguments.length == 0 ? "missing <mountpoint>"
                : "takes one mountpoint");
    }

    // ---- fuse:swap ---------------------------------------------------------------------------------------------

    @Descriptor("moves a live mount to another backend (or to a fresh file system of the same one) without "
            + "unmounting; the change is saved")
    public String swap(
            @Descriptor("the mountpoint, as fuse:mounts lists it") String mountpoint,
            @Descriptor("the backend to serve the mount from now on (see fuse:backends)") String backend,
            @Descriptor("settings to change at the same time, as key=value; settings of the old backend that the "
                    + "new one does not take are dropped") String... settings) {
        if (Help.asked(mountpoint, backend) || Help.asked(settings)) {
            return help("swap", backend);
        }
        return run(Usage.SWAP, () -> {
            Path path = mountpoint(Usage.SWAP, mountpoint);
            checkBackendArgument(Usage.SWAP, backend);
            Map<String, Object> parsed = settings(Usage.SWAP, settings, backend);
            Configuration configuration = registry.configuration(path).orElseThrow(() -> CommandException
                    .failed(Usage.SWAP, "no mount at " + path + " (fuse:mounts lists them)"));
            if (registry.backend(backend).isEmpty()) {
                throw CommandException.failed(Usage.SWAP, "no backend named '" + backend
                        + "' is registered (fuse:backends lists them); the mount stays as it is");
            }
            MountService service = registry.mountByPid(configuration.getPid()).orElseThrow(() -> CommandException
                    .failed(Usage.SWAP, path + " is configured but not active (fuse:mounts shows its state)"));
            String before = Formats.backend(service.mount());
            Map<String, Object> changes = new LinkedHashMap<>(parsed);
            changes.put(Registry.BACKEND, backend);
            List<String> dropped = foreignKeys(configuration, backend, parsed.keySet());
            dropped.forEach(key -> changes.put(key, null));
            String droppedNote = dropped.isEmpty() ? "" : "; dropped the settings backend " + backend
                    + " does not take: " + String.join(", ", dropped);
            if (!changes(configuration, changes)) {
                // Nothing to save: ask the mount itself for a fresh file system of the same backend.
                try {
                    service.mount().swap(backend);
                } catch (MountException e) {
                    throw CommandException.failed(Usage.SWAP, e.getMessage());
                }
                return "swapped " + path + " to a fresh file system of backend " + backend;
            }
            long swapsBefore = service.mount().statistics().swaps();
            FuseMount mount = apply(Usage.SWAP, configuration, changes);
            if (!mount.backendName().filter(backend::equals).isPresent()) {
                return "saved; " + path + " is " + mount.state() + " (fuse:mounts shows its state)" + droppedNote;
            }
            if (mount.statistics().swaps() == swapsBefore) {
                return "saved; backend " + backend + " of " + path + " applied the settings live (no swap needed)"
                        + droppedNote;
            }
            return "swapped " + path + ": " + before + " -> " + backend + droppedNote;
        });
    }

    @Descriptor(WRONG)
    public String swap(@Descriptor("the arguments given") String... arguments) {
        if (Help.asked(arguments)) {
            return help("swap", arguments);
        }
        throw CommandException.usage(Usage.SWAP, arguments.length == 0 ? "missing <mountpoint> and <backend>"
                : "missing <backend>");
    }

    // ---- fuse:policy -------------------------------------------------------------------------------------------

    @Descriptor("shows the passthrough policy of a mount's backend")
    public String policy(@Descriptor("the mountpoint, as fuse:mounts lists it") String mountpoint) {
        if (Help.asked(mountpoint)) {
            return help("policy");
        }
        return run(Usage.POLICY, () -> {
            Path path = mountpoint(Usage.POLICY, mountpoint);
            Configuration configuration = configuration(Usage.POLICY, path);
            Dictionary<String, Object> properties = configuration.getProperties();
            Object policy = properties.get(POLICY);
            List<String> lines = new ArrayList<>();
            lines.add(path + ": policy " + (policy == null ? "always (default)" : policy));
            List<String> rules = rules(properties.get(RULES));
            if ("rules".equals(policy)) {
                for (int i = 0; i < rules.size(); i++) {
                    lines.add("  " + (i + 1) + ". " + rules.get(i));
                }
            } else if (!rules.isEmpty()) {
                lines.add("  (" + rules.size() + " rules saved, used with policy rules)");
            }
            return String.join("\n", lines);
        });
    }

    @Descriptor("sets the passthrough policy of a mount's backend, live (new opens follow it at once)")
    public String policy(
            @Descriptor("the mountpoint, as fuse:mounts lists it") String mountpoint,
            @Descriptor("always (every file passes through), never (every file is served in Java), or rules")
            String policy,
            @Descriptor("with rules: the rules in order, each 'condition [& condition]...:passthrough|java', "
                    + "e.g. '*.log:java' 'size>1M & read:passthrough' (quoted: Gogo expands * and reads > otherwise)")
            String... rules) {
        if (Help.asked(mountpoint, policy)) {
            return help("policy");
        }
        return run(Usage.POLICY, () -> {
            Path path = mountpoint(Usage.POLICY, mountpoint);
            if (!POLICIES.contains(policy)) {
                throw CommandException.usage(Usage.POLICY, "policy must be always, never or rules, got '"
                        + policy + "'");
            }
            if (!policy.equals("rules") && rules.length > 0) {
                throw CommandException.usage(Usage.POLICY, "rules go with policy rules only");
            }
            Configuration configuration = configuration(Usage.POLICY, path);
            Map<String, Object> changes = new LinkedHashMap<>();
            changes.put(POLICY, policy);
            if (rules.length > 0) {
                changes.put(RULES, rules.clone());
            } else if (!policy.equals("rules")) {
                changes.put(RULES, null); // rules only go with policy=rules: a backend may refuse them otherwise
            } else if (rules(configuration.getProperties().get(RULES)).isEmpty()) {
                throw CommandException.usage(Usage.POLICY, "policy rules needs at least one rule");
            }
            Object backend = configuration.getProperties().get(Registry.BACKEND);
            if (backend != null && registry.backendLacksSetting(backend.toString(), POLICY)) {
                throw CommandException.failed(Usage.POLICY, "backend " + backend
                        + " has no passthrough policy setting");
            }
            if (!changes(configuration, changes)) {
                return path + ": policy is already " + policy;
            }
            apply(Usage.POLICY, configuration, changes);
            return path + ": policy " + policy + (rules.length > 0 ? " (" + rules.length + " rules)" : "")
                    + ", applies to new opens";
        });
    }

    @Descriptor(WRONG)
    public String policy(@Descriptor("the arguments given") String... arguments) {
        if (Help.asked(arguments)) {
            return help("policy");
        }
        throw CommandException.usage(Usage.POLICY, "missing <mountpoint>");
    }

    private static List<String> rules(Object value) {
        if (value instanceof String[] array) {
            return Arrays.asList(array);
        }
        if (value instanceof java.util.Collection<?> collection) {
            return collection.stream().map(String::valueOf).toList();
        }
        if (value instanceof String text && !text.isBlank()) {
            return Arrays.stream(text.split("[;\\n]")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        }
        return List.of();
    }

    private String help(String function, String... arguments) {
        return Help.of(function, registry, arguments).orElseThrow();
    }

    /**
     * The keys of a configuration that neither the mount nor {@code backend} declares (Metatype), other than those
     * the command sets itself: the old backend's settings, which the new one would only warn about at every start.
     * None when either description is missing (nothing can be told apart then).
     */
    private List<String> foreignKeys(Configuration configuration, String backend, Set<String> given) {
        List<Registry.Setting> mount = registry.mountSettings();
        Optional<List<Registry.Setting>> own = registry.backendSettings(backend);
        if (mount.isEmpty() || own.isEmpty()) {
            return List.of();
        }
        Set<String> known = new java.util.HashSet<>(SettingArguments.RESERVED);
        known.addAll(given);
        mount.forEach(setting -> known.add(setting.key()));
        own.get().forEach(setting -> known.add(setting.key()));
        List<String> foreign = new ArrayList<>();
        for (Enumeration<String> keys = configuration.getProperties().keys(); keys.hasMoreElements(); ) {
            String key = keys.nextElement();
            if (!known.contains(key) && !key.startsWith("service.") && !key.startsWith("felix.")) {
                foreign.add(key);
            }
        }
        foreign.sort(null);
        return foreign;
    }

    // ---- applying a change -------------------------------------------------------------------------------------

    /** Whether saving {@code changes} ({@code null} values: remove the key) would change the configuration. */
    private static boolean changes(Configuration configuration, Map<String, Object> changes) {
        Dictionary<String, Object> current = configuration.getProperties();
        return stored(configuration, changes).entrySet().stream()
                .anyMatch(e -> !Objects.deepEquals(current.get(e.getKey()), e.getValue()));
    }

    /** {@code changes} as ConfigAdmin will hold them: typed, or as text when they go through a load/ file. */
    private static Map<String, Object> stored(Configuration configuration, Map<String, Object> changes) {
        if (LoadFile.of(configuration).isEmpty()) {
            return changes;
        }
        Map<String, Object> text = new LinkedHashMap<>();
        changes.forEach((key, value) -> text.put(key, LoadFile.asRead(value)));
        return text;
    }

    /**
     * Saves {@code changes} ({@code null} values remove their key) in ConfigAdmin, or in the configuration's load/
     * file if it came from one, and waits until the mount applied them (its service carries the new properties
     * once it has). A change the mount rejected (a new problem) is undone, and reported.
     */
    private FuseMount apply(String usage, Configuration configuration, Map<String, Object> changes)
            throws IOException {
        String pid = configuration.getPid();
        Optional<String> problemBefore = registry.mountByPid(pid).flatMap(s -> s.mount().problem());
        Map<String, Object> expected = stored(configuration, changes);
        Optional<LoadFile> file = LoadFile.of(configuration);
        Undo undo;
        if (file.isPresent()) {
            String before = file.get().update(changes);
            undo = () -> file.get().replace(before);
        } else {
            Dictionary<String, Object> previous = configuration.getProperties();
            Hashtable<String, Object> next = new Hashtable<>();
            for (Enumeration<String> keys = previous.keys(); keys.hasMoreElements(); ) {
                String key = keys.nextElement();
                next.put(key, previous.get(key));
            }
            changes.forEach((key, value) -> {
                if (value == null) {
                    next.remove(key);
                } else {
                    next.put(key, value);
                }
            });
            configuration.update(next);
            undo = () -> configuration.update(previous);
        }
        Optional<MountService> applied = Await.until(APPLY_WAIT, () -> registry.mountByPid(pid)
                .filter(s -> expected.entrySet().stream()
                        .allMatch(e -> Objects.deepEquals(s.properties().get(e.getKey()), e.getValue()))));
        if (applied.isEmpty()) {
            throw CommandException.failed(usage, "saved, but the mount has not applied it within "
                    + APPLY_WAIT.toSeconds() + " s (fuse:mounts shows its state)");
        }
        FuseMount mount = applied.get().mount();
        Optional<String> problem = mount.problem();
        if (problem.isPresent() && !problem.equals(problemBefore)) {
            undo.run();
            throw CommandException.failed(usage, problem.get() + "; the change was undone");
        }
        return mount;
    }

    @FunctionalInterface
    private interface Undo {
        void run() throws IOException;
    }

    // ---- arguments ---------------------------------------------------------------------------------------------

    private static Path mountpoint(String usage, String text) {
        try {
            Path path = Path.of(text.trim());
            if (!path.isAbsolute()) {
                throw CommandException.usage(usage, "the mountpoint must be an absolute path, got '" + text + "'");
            }
            return path.normalize();
        } catch (InvalidPathException e) {
            throw CommandException.usage(usage, "not a valid path: '" + text + "'");
        }
    }

    private static void checkDirectory(Path path) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (FileSystemException e) {
            throw CommandException.failed(Usage.MOUNT, path + ": " + (e.getReason() != null ? e.getReason()
                    : "does not exist"));
        } catch (IOException e) {
            throw CommandException.failed(Usage.MOUNT, path + ": " + e.getMessage());
        }
        if (!attributes.isDirectory()) {
            throw CommandException.failed(Usage.MOUNT, path + " is not a directory");
        }
    }

    /**
     * Whether a file system is mounted at {@code path}: its device differs from its parent's, as mountpoint(1)
     * checks. Mounting over it would hide that mount, and FUSE's own mount call would then only fail late.
     */
    private static boolean isMountPoint(Path path) throws IOException {
        Path parent = path.getParent();
        return parent != null && !Files.getAttribute(path, "unix:dev").equals(Files.getAttribute(parent, "unix:dev"));
    }

    private static void checkBackendArgument(String usage, String backend) {
        if (backend.isBlank()) {
            throw CommandException.usage(usage, "the backend name is empty");
        }
        if (backend.trim().startsWith("(")) {
            try {
                FrameworkUtil.createFilter(backend.trim());
            } catch (InvalidSyntaxException e) {
                throw CommandException.usage(usage, "not a valid LDAP filter: " + backend);
            }
        } else if (backend.contains("=")) {
            throw CommandException.usage(usage, "<backend> comes before the key=value settings, got '" + backend
                    + "'");
        }
    }

    private Map<String, Object> settings(String usage, String[] settings, String backend) {
        try {
            return SettingArguments.parse(settings, key -> registry.settingType(key, backend));
        } catch (IllegalArgumentException e) {
            throw CommandException.usage(usage, e.getMessage());
        }
    }

    private Configuration configuration(String usage, Path path) throws IOException {
        return registry.configuration(path).orElseThrow(() -> CommandException.failed(usage, "no mount at "
                + path + " (fuse:mounts lists them)"));
    }

    // ---- errors ------------------------------------------------------------------------------------------------

    @FunctionalInterface
    interface Body {
        String run() throws Exception;
    }

    /**
     * Runs a command body: a {@link CommandException} goes to Gogo as it is (one clean message), anything else is
     * a failure of ConfigAdmin or a bug, reported in one line and logged with its trace at DEBUG.
     */
    static String run(String usage, Body body) {
        try {
            return body.run();
        } catch (CommandException e) {
            throw e;
        } catch (Exception e) {
            LOG.debug("{} failed", Usage.command(usage), e);
            throw CommandException.failed(usage, e.getMessage() != null ? e.getMessage() : e.toString());
        }
    }
}
