package fuse.api;

import java.util.Objects;

/**
 * Whether a file system tells the mount about changes made behind it (on the host, by other processes), through
 * {@link MountContext#invalidateEntry}, {@link MountContext#invalidateAttributes} and
 * {@link MountContext#invalidateAll}, or has none to report because nothing may change behind it (an overlay's
 * layers, by the overlayfs rule). While it does, the mount lets the kernel cache names and attributes for
 * long; otherwise they expire after a short timeout.
 *
 * @param watching whether changes behind the mount are reported (or there are none by contract)
 * @param description how they are watched ({@code "fanotify on /dev/vda"}), or why not, for the log and
 *        {@code fuse:mounts}
 */
public record ChangeWatch(boolean watching, String description) {
    /** What a file system that watches nothing answers. */
    public static final ChangeWatch NONE = new ChangeWatch(false, "the backend does not watch its source");

    public ChangeWatch {
        Objects.requireNonNull(description, "description");
    }
}
