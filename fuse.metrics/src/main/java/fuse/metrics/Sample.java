package fuse.metrics;

import java.util.Map;

/**
 * One value of a metric family.
 *
 * @param suffix appended to the family's name ({@code ""}, or {@code _sum}/{@code _count} of a summary)
 * @param labels label names to values, in exposition order ({@code mountpoint} first)
 * @param value the value
 */
public record Sample(String suffix, Map<String, String> labels, double value) {

    public Sample {
        labels = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(labels));
    }
}
