package fuse.metrics;

/** The Prometheus metric types the model uses. */
public enum MetricType {
    /** Only ever grows (from the mount's start); its name ends in {@code _total}. */
    COUNTER,
    /** A value now. */
    GAUGE,
    /** Quantiles (samples with a {@code quantile} label) plus {@code _sum} and {@code _count}. */
    SUMMARY;

    /** The name in a {@code # TYPE} line. */
    public String exposition() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
