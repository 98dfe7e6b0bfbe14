package fuse.passthrough;

import java.util.Objects;

/**
 * A mount's passthrough settings.
 *
 * @param mountName names the mount in log messages (its mountpoint or configuration)
 * @param enabled the configuration allows passthrough
 * @param negotiated INIT enabled passthrough for the connection
 * @param maxStackDepth the connection's {@code max_stack_depth}, for messages
 * @param directOpensMayCache {@code FUSE_DIRECT_IO_ALLOW_MMAP} is in force: a shared mmap of a plain
 *        {@code DIRECT_IO} open then puts the inode into cached mode, so such opens block passthrough like cached
 *        ones
 */
public record PassthroughSettings(String mountName, boolean enabled, boolean negotiated, int maxStackDepth,
        boolean directOpensMayCache) {
    public PassthroughSettings {
        Objects.requireNonNull(mountName, "mountName");
    }
}
