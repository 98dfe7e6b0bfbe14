/**
 * The mounts this container serves: one {@link fuse.mount.FuseMount} service per {@code fuse.mount} factory
 * configuration, with its state, statistics and passthrough bookkeeping, and the hot swap of its backend.
 */
@Export
@Version("1.3.0")
package fuse.mount;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
