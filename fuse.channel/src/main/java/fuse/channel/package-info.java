/**
 * The FUSE kernel channel: mount a session on a mountpoint, receive typed {@link fuse.channel.Request}s on reader
 * threads, answer each through its {@link fuse.channel.Reply}, notify the kernel, and manage backing files for
 * passthrough. Everything below this package (the wire layout, the reader loop, the native calls) is private.
 */
@Export
@Version("1.8.0")
package fuse.channel;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
