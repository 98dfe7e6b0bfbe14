package fuse.backend.local.kernel;

import java.util.Comparator;
import java.util.Map;
import java.util.stream.Collectors;

import fuse.mount.MountStatistics;
import fuse.mount.OperationStatistics;

/** A mount's request statistics as a short table, the most expensive request types first: for the test logs. */
final class Profile {
    private Profile() {
    }

    static String of(MountStatistics stats) {
        return stats.operations().entrySet().stream()
                .sorted(Comparator.comparingLong((Map.Entry<String, OperationStatistics> e) -> e.getValue()
                        .totalNanos()).reversed())
                .limit(10)
                .map(e -> String.format("  %-12s %7d requests, %6.1f µs mean, %7.1f ms total, %6.1f ms max",
                        e.getKey(), e.getValue().count(), e.getValue().meanMicros(),
                        e.getValue().totalNanos() / 1e6, e.getValue().maxNanos() / 1e6))
                .collect(Collectors.joining("\n", "server time per request type:\n", ""));
    }
}
