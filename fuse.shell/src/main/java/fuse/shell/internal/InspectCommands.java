package fuse.shell.internal;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import fuse.mount.FuseMount;
import fuse.mount.MountStatistics;
import fuse.mount.OperationStatistics;
import fuse.passthrough.BackingIdInfo;
import fuse.passthrough.FallbackReason;
import fuse.passthrough.PassthroughStatistics;
import fuse.shell.internal.Registry.Backend;
import fuse.shell.internal.Registry.MountService;

/** {@code fuse:backends}, {@code fuse:stats} and {@code fuse:backing}: read-only views of what runs. */
@Component(service = InspectCommands.class, property = "service.description=FUSE backends, per-mount statistics "
        + "and backing ids")
@Command(scope = "fuse", function = {"backends", "stats", "backing"})
public final class InspectCommands {
    private static final String WRONG = MountCommands.WRONG;

    private final Registry registry;

    @Activate
    public InspectCommands(@Reference Registry registry) {
        this.registry = registry;
    }

    // ---- fuse:backends -----------------------------------------------------------------------------------------

    @Descriptor("lists the registered backends: name, bundle, version, and the mounts each one serves")
    public String backends() {
        return MountCommands.run(Usage.BACKENDS, () -> {
            List<Backend> backends = registry.backends();
            if (backends.isEmpty()) {
                return "no backends registered (drop a backend bundle into load/)";
            }
            Table table = Table.of("NAME", "BUNDLE", "VERSION", "SERVICE", "MOUNTS").numeric(3);
            List<MountService> mounts = registry.mounts();
            for (Backend backend : backends) {
                String served = mounts.stream()
                        .filter(m -> m.mount().backendName().filter(backend.name()::equals).isPresent())
                        .map(m -> m.mount().mountpoint().toString()).collect(Collectors.joining(", "));
                table.row(backend.name(), backend.bundle().getSymbolicName() + " [" + backend.bundle().getBundleId()
                        + "]", backend.bundle().getVersion(), backend.serviceId(), served.isEmpty() ? null : served);
            }
            return table.toString();
        });
    }

    @Descriptor(WRONG)
    public String backends(@Descriptor("arguments this command does not take") String... arguments) {
        if (Help.asked(arguments)) {
            return Help.of("backends", registry).orElseThrow();
        }
        throw CommandException.usage(Usage.BACKENDS, "takes no arguments");
    }

    // ---- fuse:stats --------------------------------------------------------------------------------------------

    @Descriptor("shows every mount's statistics: requests per operation with latencies, passthrough and "
            + "Java-served opens, fallbacks by reason, backing ids")
    public String stats() {
        return MountCommands.run(Usage.STATS, () -> {
            List<MountService> mounts = registry.mounts();
            if (mounts.isEmpty()) {
                return "no mounts";
            }
            return Table.blocks(mounts.stream().map(m -> statistics(m.mount())).toArray());
        });
    }

    @Descriptor("shows one mount's statistics: requests per operation with latencies, passthrough and "
            + "Java-served opens, fallbacks by reason, backing ids")
    public String stats(@Descriptor("the mountpoint, as fuse:mounts lists it") String mountpoint) {
        if (Help.asked(mountpoint)) {
            return Help.of("stats", registry).orElseThrow();
        }
        return MountCommands.run(Usage.STATS, () -> statistics(mount(Usage.STATS, mountpoint)));
    }

    @Descriptor(WRONG)
    public String stats(@Descriptor("the arguments given") String... arguments) {
        if (Help.asked(arguments)) {
            return Help.of("stats", registry).orElseThrow();
        }
        throw CommandException.usage(Usage.STATS, "takes at most one mountpoint");
    }

    private static String statistics(FuseMount mount) {
        MountStatistics statistics = mount.statistics();
        long failed = statistics.operations().values().stream().mapToLong(OperationStatistics::errors).sum();
        String summary = mount.mountpoint() + " (" + Formats.backend(mount) + ", " + Formats.state(mount) + "): "
                + statistics.requests() + " requests (" + failed + " answered with an error), " + statistics.nodes()
                + " nodes, " + statistics.openFiles() + " open files, " + statistics.swaps() + " swaps, "
                + statistics.backendWaits() + " waits for a backend (" + statistics.backendTimeouts()
                + " timed out), " + statistics.movedFiles() + " open files moved to a new backend, "
                + statistics.internalErrors() + " internal errors";
        Table operations = Table.of("OPERATION", "COUNT", "ERRORS", "MEAN", "P50", "P90", "P99", "MAX")
                .numeric(1, 2, 3, 4, 5, 6, 7);
        statistics.operations().entrySet().stream()
                .sorted(Map.Entry.<String, OperationStatistics>comparingByValue(
                        (a, b) -> Long.compare(b.count(), a.count())))
                .forEach(e -> {
                    OperationStatistics op = e.getValue();
                    operations.row(e.getKey(), op.count(), op.errors(), Formats.duration(op.meanMicros() * 1000),
                            percentile(op.p50Nanos()), percentile(op.p90Nanos()), percentile(op.p99Nanos()),
                            Formats.duration(op.maxNanos()));
                });
        return Table.blocks(summary, operations.isEmpty() ? null : operations, passthrough(mount.passthrough()));
    }

    /** A percentile from the mount's histogram (at most 12.5 % above the true value), or - if unknown. */
    private static String percentile(long nanos) {
        return nanos < 0 ? null : Formats.duration(nanos);
    }

    private static String passthrough(PassthroughStatistics p) {
        List<String> lines = new ArrayList<>();
        lines.add("opens: " + p.passthroughOpens() + " passed through, " + p.javaServedOpens() + " served in Java ("
                + p.servedInPassthroughMode() + " of them in passthrough mode, " + p.modeConflicts()
                + " because of a cached open), " + p.undoneOpens() + " undone");
        lines.add("fallbacks: " + (p.fallbacks().isEmpty() ? "none" : p.fallbacks().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> reason(e.getKey()) + " " + e.getValue()).collect(Collectors.joining(", "))));
        lines.add("backing ids: " + p.liveIds() + " live, " + p.idsOpened() + " opened, " + p.idsClosed()
                + " closed; passthrough " + (p.passthroughEnabled() ? "on" : "off") + "; " + p.droppedOptions()
                + " open options dropped");
        return String.join("\n", lines);
    }

    private static String reason(FallbackReason reason) {
        return reason.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    // ---- fuse:backing ------------------------------------------------------------------------------------------

    @Descriptor("lists the live backing ids of every mount: id, kernel node, inode, path, open files using it")
    public String backing() {
        return MountCommands.run(Usage.BACKING, () -> {
            List<MountService> mounts = registry.mounts();
            if (mounts.isEmpty()) {
                return "no mounts";
            }
            return Table.blocks(mounts.stream().map(m -> backingIds(m.mount())).toArray());
        });
    }

    @Descriptor("lists the live backing ids of one mount: id, kernel node, inode, path, open files using it")
    public String backing(@Descriptor("the mountpoint, as fuse:mounts lists it") String mountpoint) {
        if (Help.asked(mountpoint)) {
            return Help.of("backing", registry).orElseThrow();
        }
        return MountCommands.run(Usage.BACKING, () -> backingIds(mount(Usage.BACKING, mountpoint)));
    }

    @Descriptor(WRONG)
    public String backing(@Descriptor("the arguments given") String... arguments) {
        if (Help.asked(arguments)) {
            return Help.of("backing", registry).orElseThrow();
        }
        throw CommandException.usage(Usage.BACKING, "takes at most one mountpoint");
    }

    private static String backingIds(FuseMount mount) {
        List<BackingIdInfo> ids = mount.backingIds();
        String title = mount.mountpoint() + ": " + ids.size() + (ids.size() == 1 ? " backing id" : " backing ids");
        if (ids.isEmpty()) {
            return title;
        }
        Table table = Table.of("ID", "NODE", "INODE", "REFS", "PASSTHROUGH", "SERVED", "PATH").numeric(0, 1, 2, 3,
                4, 5);
        ids.stream().sorted((a, b) -> Integer.compare(a.backingId(), b.backingId()))
                .forEach(id -> table.row(id.backingId(), id.nodeId(), id.inode() < 0 ? null : id.inode(),
                        id.refcount(), id.passthroughOpens(), id.servedOpens(), id.path()));
        return Table.blocks(title, table);
    }

    // ---- arguments ---------------------------------------------------------------------------------------------

    private FuseMount mount(String usage, String mountpoint) {
        Path path;
        try {
            path = Path.of(mountpoint.trim()).normalize();
        } catch (InvalidPathException e) {
            throw CommandException.usage(usage, "not a valid path: '" + mountpoint + "'");
        }
        if (!path.isAbsolute()) {
            throw CommandException.usage(usage, "the mountpoint must be an absolute path, got '" + mountpoint + "'");
        }
        return registry.mount(path).map(MountService::mount).orElseThrow(() -> CommandException.failed(usage,
                "no mount at " + path + " (fuse:mounts lists them)"));
    }
}
