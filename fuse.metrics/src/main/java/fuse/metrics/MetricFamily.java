package fuse.metrics;

import java.util.List;

/**
 * A metric: a name following Prometheus conventions ({@code fuse_…}, counters ending in {@code _total}, times in
 * {@code _seconds}), its type, one line of help, and its samples across mounts.
 */
public record MetricFamily(String name, MetricType type, String help, List<Sample> samples) {

    public MetricFamily {
        samples = List.copyOf(samples);
    }
}
