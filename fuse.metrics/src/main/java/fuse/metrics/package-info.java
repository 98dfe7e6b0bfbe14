/**
 * The mounts' metrics as one model ({@link fuse.metrics.MountMetrics}: families of samples with a
 * {@code mountpoint} label), read from what each mount keeps, and its rendering in the Prometheus text exposition
 * format. The JMX MBeans, the {@code /metrics} endpoint and the web console plugin all show this model.
 */
@Export
@Version("1.0.0")
package fuse.metrics;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
