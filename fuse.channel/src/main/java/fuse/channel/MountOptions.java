package fuse.channel;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to mount a session.
 *
 * @param mountpoint an existing directory
 * @param fsName the "device" shown in {@code /proc/mounts}
 * @param subtype the {@code fuse.<subtype>} file system type
 * @param threads reader threads, each on its own cloned {@code /dev/fuse} descriptor (≥ 1)
 * @param allowOther let users other than the mounting one access the mount
 * @param defaultPermissions let the kernel check mode bits (always on when {@code allowOther})
 * @param passthrough ask the kernel for FUSE_PASSTHROUGH
 * @param maxStackDepth 1 for backing files on ext4/xfs/tmpfs…, 2 for backing files on overlayfs or FUSE
 * @param maxWrite the largest WRITE the kernel may send (bytes, capped by the kernel's max_pages_limit)
 * @param readOnly mount read-only ({@code MS_RDONLY})
 * @param writebackCache ask the kernel for FUSE_WRITEBACK_CACHE: writes go to the page cache and reach the server
 *        later, in page-sized or larger pieces; the kernel keeps size and mtime itself. It excludes passthrough
 *        (the kernel turns passthrough off for a connection with it), so it needs {@code passthrough} off
 * @param transport /dev/fuse, io_uring, or io_uring when the kernel offers it
 * @param maxRead the largest READ the kernel may send (the mount option {@code max_read}, bytes), or
 *        {@link #UNLIMITED_READ}: as large as the kernel's request size allows
 */
public record MountOptions(
        Path mountpoint,
        String fsName,
        String subtype,
        int threads,
        boolean allowOther,
        boolean defaultPermissions,
        boolean passthrough,
        int maxStackDepth,
        int maxWrite,
        boolean readOnly,
        boolean writebackCache,
        ChannelTransport transport,
        int maxRead) {

    public static final int DEFAULT_MAX_WRITE = 1 << 20;
    /** {@code maxRead} unset: the kernel's own bound (its request size) applies. */
    public static final int UNLIMITED_READ = 0;
    /** The kernel raises a smaller {@code max_read} to a page: refused rather than silently not done. */
    public static final int MIN_MAX_READ = 4096;

    public MountOptions {
        Objects.requireNonNull(mountpoint, "mountpoint");
        Objects.requireNonNull(fsName, "fsName");
        Objects.requireNonNull(subtype, "subtype");
        Objects.requireNonNull(transport, "transport");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1: " + threads);
        }
        if (maxStackDepth < 1 || maxStackDepth > 2) {
            throw new IllegalArgumentException("max_stack_depth must be 1 or 2: " + maxStackDepth);
        }
        if (maxWrite < 4096) {
            throw new IllegalArgumentException("max_write must be at least 4096: " + maxWrite);
        }
        if (writebackCache && passthrough) {
            throw new IllegalArgumentException("the writeback cache excludes passthrough: turn passthrough off");
        }
        if (maxRead != UNLIMITED_READ && maxRead < MIN_MAX_READ) {
            throw new IllegalArgumentException("max_read must be 0 (no limit) or at least " + MIN_MAX_READ + ": "
                    + maxRead);
        }
        // Without default_permissions, allow_other would let every user past the server's own checks.
        defaultPermissions = defaultPermissions || allowOther;
    }

    /** Options without a read limit (the constructor of version 1.5). */
    public MountOptions(Path mountpoint, String fsName, String subtype, int threads, boolean allowOther,
            boolean defaultPermissions, boolean passthrough, int maxStackDepth, int maxWrite, boolean readOnly,
            boolean writebackCache, ChannelTransport transport) {
        this(mountpoint, fsName, subtype, threads, allowOther, defaultPermissions, passthrough, maxStackDepth,
                maxWrite, readOnly, writebackCache, transport, UNLIMITED_READ);
    }

    /** Options on /dev/fuse (the constructor of version 1.3). */
    public MountOptions(Path mountpoint, String fsName, String subtype, int threads, boolean allowOther,
            boolean defaultPermissions, boolean passthrough, int maxStackDepth, int maxWrite, boolean readOnly,
            boolean writebackCache) {
        this(mountpoint, fsName, subtype, threads, allowOther, defaultPermissions, passthrough, maxStackDepth,
                maxWrite, readOnly, writebackCache, ChannelTransport.DEVICE);
    }

    /** Options without the writeback cache (the constructor of version 1.2). */
    public MountOptions(Path mountpoint, String fsName, String subtype, int threads, boolean allowOther,
            boolean defaultPermissions, boolean passthrough, int maxStackDepth, int maxWrite, boolean readOnly) {
        this(mountpoint, fsName, subtype, threads, allowOther, defaultPermissions, passthrough, maxStackDepth,
                maxWrite, readOnly, false);
    }

    /** Defaults: one reader thread per core, passthrough on with stacking depth 1, 1 MiB writes. */
    public static MountOptions defaults(Path mountpoint, String subtype) {
        return new MountOptions(mountpoint, subtype, subtype, Runtime.getRuntime().availableProcessors(), false,
                false, true, 1, DEFAULT_MAX_WRITE, false);
    }

    public MountOptions withThreads(int n) {
        return new MountOptions(mountpoint, fsName, subtype, n, allowOther, defaultPermissions, passthrough,
                maxStackDepth, maxWrite, readOnly, writebackCache, transport, maxRead);
    }

    public MountOptions withPassthrough(boolean on, int depth) {
        return new MountOptions(mountpoint, fsName, subtype, threads, allowOther, defaultPermissions, on, depth,
                maxWrite, readOnly, writebackCache && !on, transport, maxRead);
    }

    public MountOptions withPermissions(boolean allowOtherUsers, boolean kernelChecks) {
        return new MountOptions(mountpoint, fsName, subtype, threads, allowOtherUsers, kernelChecks, passthrough,
                maxStackDepth, maxWrite, readOnly, writebackCache, transport, maxRead);
    }

    /** These options with the writeback cache on (and passthrough off, which it excludes) or off. */
    public MountOptions withWritebackCache(boolean on) {
        return new MountOptions(mountpoint, fsName, subtype, threads, allowOther, defaultPermissions,
                passthrough && !on, maxStackDepth, maxWrite, readOnly, on, transport, maxRead);
    }

    /** These options on {@code choice}. */
    public MountOptions withTransport(ChannelTransport choice) {
        return new MountOptions(mountpoint, fsName, subtype, threads, allowOther, defaultPermissions, passthrough,
                maxStackDepth, maxWrite, readOnly, writebackCache, choice, maxRead);
    }

    /** These options with READs of at most {@code bytes} ({@link #UNLIMITED_READ}: no limit of ours). */
    public MountOptions withMaxRead(int bytes) {
        return new MountOptions(mountpoint, fsName, subtype, threads, allowOther, defaultPermissions, passthrough,
                maxStackDepth, maxWrite, readOnly, writebackCache, transport, bytes);
    }
}
