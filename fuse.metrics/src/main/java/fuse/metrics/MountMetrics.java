package fuse.metrics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import fuse.mount.FuseMount;
import fuse.mount.MountStatistics;
import fuse.mount.OperationStatistics;
import fuse.passthrough.FallbackReason;
import fuse.passthrough.PassthroughStatistics;

/**
 * The metrics of a set of mounts, read from what each mount keeps ({@link FuseMount#statistics()},
 * {@link FuseMount#passthrough()}); nothing is counted here. Every sample carries the {@code mountpoint} label.
 */
public final class MountMetrics {
    private static final double NANOS_PER_SECOND = 1e9;
    private static final String[] QUANTILES = {"0.5", "0.9", "0.99"};

    private final Map<String, Family> families = new LinkedHashMap<>();

    private MountMetrics() {
    }

    /** The metric families of {@code mounts}, in a fixed order; a family no mount has samples for is left out. */
    public static List<MetricFamily> collect(Collection<? extends FuseMount> mounts) {
        MountMetrics metrics = new MountMetrics();
        mounts.forEach(metrics::add);
        return metrics.families.values().stream().filter(f -> !f.samples.isEmpty())
                .map(f -> new MetricFamily(f.name, f.type, f.help, f.samples)).toList();
    }

    private void add(FuseMount mount) {
        String mountpoint = mount.mountpoint().toString();
        MountStatistics stats = mount.statistics();
        PassthroughStatistics passthrough = mount.passthrough();

        Map<String, String> info = labels(mountpoint);
        info.put("name", mount.name());
        info.put("state", mount.state().name());
        info.put("backend", mount.backendName().orElse(""));
        info.put("protocol", mount.init().map(i -> i.protocol()).orElse(""));
        info.put("transport", mount.init().map(i -> i.transport().key()).orElse(""));
        gauge("fuse_mount_info",
                "The mount: its state, the backend serving it, the FUSE protocol and transport (always 1).",
                info, 1);
        gauge("fuse_mount_open_files", "Files and directories open on the mount now.", labels(mountpoint),
                mount.openFiles());
        gauge("fuse_mount_nodes", "Kernel nodes the mount knows (looked up and not forgotten).", labels(mountpoint),
                stats.nodes());

        stats.operations().forEach((opcode, op) -> operation(mountpoint, opcode, op));

        Map<String, String> passthroughMode = labels(mountpoint);
        passthroughMode.put("mode", "passthrough");
        counter("fuse_opens_total", "Opens by how the kernel serves them: passthrough (the backing file) or java.",
                passthroughMode, passthrough.passthroughOpens());
        Map<String, String> javaMode = labels(mountpoint);
        javaMode.put("mode", "java");
        counter("fuse_opens_total", null, javaMode, passthrough.javaServedOpens());
        for (FallbackReason reason : FallbackReason.values()) {
            Map<String, String> byReason = labels(mountpoint);
            byReason.put("reason", reason.name());
            counter("fuse_passthrough_fallbacks_total",
                    "Opens a backend wanted passed through that were served in Java, by reason.", byReason,
                    passthrough.fallbacks(reason));
        }
        gauge("fuse_passthrough_enabled", "Whether the mount still tries passthrough (1) or not (0).",
                labels(mountpoint), passthrough.passthroughEnabled() ? 1 : 0);
        gauge("fuse_backing_ids", "Backing ids registered with the kernel now.", labels(mountpoint),
                passthrough.liveIds());
        counter("fuse_backing_ids_opened_total", "Backing ids registered since the mount started.",
                labels(mountpoint), passthrough.idsOpened());

        counter("fuse_swaps_total", "Backend swaps (including binding a backend that came back).",
                labels(mountpoint), stats.swaps());
        counter("fuse_swap_stall_seconds_total", "Time new requests were held back by swaps.", labels(mountpoint),
                stats.swapStallNanos() / NANOS_PER_SECOND);
        gauge("fuse_swap_stall_max_seconds", "The longest time one swap held new requests back.",
                labels(mountpoint), stats.maxSwapStallNanos() / NANOS_PER_SECOND);
        counter("fuse_backend_waits_total", "Requests that had to wait for a backend.", labels(mountpoint),
                stats.backendWaits());
        counter("fuse_backend_timeouts_total", "Requests that failed with EIO because no backend came in time.",
                labels(mountpoint), stats.backendTimeouts());
        counter("fuse_moved_files_total", "Open files opened again on a new backend after theirs went away.",
                labels(mountpoint), stats.movedFiles());
        counter("fuse_internal_errors_total", "Unexpected exceptions answered with EIO (bugs).", labels(mountpoint),
                stats.internalErrors());
        counter("fuse_java_read_bytes_total", "Bytes READ requests answered in Java (passthrough reads excluded).",
                labels(mountpoint), stats.javaBytesRead());
        counter("fuse_java_written_bytes_total", "Bytes WRITE requests handed to the backend in Java.",
                labels(mountpoint), stats.javaBytesWritten());
    }

    private void operation(String mountpoint, String opcode, OperationStatistics op) {
        Map<String, String> labels = labels(mountpoint);
        labels.put("opcode", opcode);
        counter("fuse_requests_total", "Requests answered, by FUSE opcode.", labels, op.count());
        counter("fuse_request_errors_total", "Requests answered with an error, by FUSE opcode.", labels,
                op.errors());
        long[] quantiles = {op.p50Nanos(), op.p90Nanos(), op.p99Nanos()};
        Family duration = family("fuse_request_duration_seconds", MetricType.SUMMARY,
                "Time to answer a request, by FUSE opcode (quantiles from a histogram with buckets at most 12.5 % wide).");
        for (int i = 0; i < QUANTILES.length; i++) {
            if (quantiles[i] >= 0) {
                Map<String, String> quantile = new LinkedHashMap<>(labels);
                quantile.put("quantile", QUANTILES[i]);
                duration.samples.add(new Sample("", quantile, quantiles[i] / NANOS_PER_SECOND));
            }
        }
        duration.samples.add(new Sample("_sum", labels, op.totalNanos() / NANOS_PER_SECOND));
        duration.samples.add(new Sample("_count", labels, op.count()));
        gauge("fuse_request_duration_max_seconds", "The slowest request, by FUSE opcode.", labels,
                op.maxNanos() / NANOS_PER_SECOND);
    }

    private static Map<String, String> labels(String mountpoint) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("mountpoint", mountpoint);
        return labels;
    }

    private void counter(String name, String help, Map<String, String> labels, double value) {
        family(name, MetricType.COUNTER, help).samples.add(new Sample("", labels, value));
    }

    private void gauge(String name, String help, Map<String, String> labels, double value) {
        family(name, MetricType.GAUGE, help).samples.add(new Sample("", labels, value));
    }

    /** The family of {@code name}; the first call names its type and help (later calls may pass null). */
    private Family family(String name, MetricType type, String help) {
        return families.computeIfAbsent(name, n -> new Family(n, type, help));
    }

    private static final class Family {
        final String name;
        final MetricType type;
        final String help;
        final List<Sample> samples = new ArrayList<>();

        Family(String name, MetricType type, String help) {
            this.name = name;
            this.type = type;
            this.help = help;
        }
    }
}
