package fuse.channel.internal;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.Errno;
import fuse.api.FileType;
import fuse.channel.FuseSession;
import fuse.channel.MountOptions;
import fuse.channel.RequestHandler;
import fuse.posix.PosixException;

/**
 * mount(2) and umount2(2) of FUSE connections as root, and the cleanup of stale mounts left by a crashed server.
 * Without the privilege for mount(2) (not root, or root of a user namespace that does not own the mount namespace),
 * mounts and unmounts go through {@link Fusermount}, as libfuse's do. {@link fuse.channel.FuseChannel} delegates
 * here.
 */
public final class Mounter {
    private static final Logger LOG = LoggerFactory.getLogger(Mounter.class);
    /** A FUSE mountpoint whose server neither answers nor is gone within this time is left alone. */
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    private static final int MAX_STACKED_STALE_MOUNTS = 16;

    private Mounter() {
    }

    /** See {@link fuse.channel.FuseChannel#isMountPoint}. */
    public static boolean isMountPoint(Path mountpoint) throws IOException {
        return MountTable.fresh().top(mountpoint).isPresent();
    }

    /** See {@link fuse.channel.FuseChannel#mount}. */
    public static FuseSession mount(MountOptions options, RequestHandler handler) throws IOException {
        Path target = canonical(options.mountpoint());
        cleanStale(target);
        Probe probe = probe(target);
        if (probe.errno() != null) {
            throw new IOException("mountpoint " + target + " is not usable: " + probe.errno()
                    + (probe.errno() == Errno.ENOENT ? " (it does not exist)" : ""));
        }
        if (probe.fileType() != FileType.DIRECTORY.modeBits()) {
            throw new IOException("mountpoint " + target + " is not a directory");
        }
        Optional<UringRings> rings = UringRings.open(options.transport(), target);
        try {
            return mount(options, handler, target, rings);
        } catch (IOException | RuntimeException e) {
            rings.ifPresent(UringRings::close);
            throw e;
        }
    }

    private static FuseSession mount(MountOptions options, RequestHandler handler, Path target,
            Optional<UringRings> rings) throws IOException {
        // Kept by the session until after its unmount, which then needs no new descriptor to check the table.
        MountTable table = MountTable.keep();
        try {
            return mount(options, handler, target, rings, table);
        } catch (IOException | RuntimeException e) {
            table.close();
            throw e;
        }
    }

    private static FuseSession mount(MountOptions options, RequestHandler handler, Path target,
            Optional<UringRings> rings, MountTable table) throws IOException {
        int fd = DevFuse.open();
        String type = "fuse." + options.subtype();
        try {
            LinuxCalls.mount(options.fsName(), target.toString(), type, flags(options), data(options, fd));
        } catch (PosixException e) {
            LinuxCalls.close(fd);
            if (e.errno() != Errno.EPERM || LinuxCalls.geteuid() == 0) {
                throw new IOException("mount(2) of " + type + " at " + target + " failed: " + e.errno()
                        + (e.errno() == Errno.EPERM ? " (needs CAP_SYS_ADMIN)" : ""), e);
            }
            LOG.info("mount(2) at {} is not permitted to uid {}: mounting through {}", target,
                    Integer.toUnsignedString(LinuxCalls.geteuid()), Fusermount.PROGRAM);
            fd = Fusermount.mount(target, fusermountOptions(options));
        }
        long connectionId;
        try {
            connectionId = connectionId(table, target, type);
        } catch (IOException e) {
            abandon(target, fd, -1);
            throw e;
        }
        FuseControl.ensureMounted();
        try {
            FuseSession session = ChannelSession.start(options, target, connectionId, fd, handler, rings, table);
            LOG.debug("mounted {} at {} (connection {})", type, target, connectionId);
            return session;
        } catch (IOException | RuntimeException e) {
            abandon(target, fd, connectionId);
            throw e instanceof IOException io ? io : new IOException("cannot start the session at " + target, e);
        }
    }

    /** Undoes a mount whose session could not start. */
    private static void abandon(Path target, int fd, long connectionId) {
        try {
            detach(target);
        } catch (IOException e) {
            LOG.warn("cannot unmount {} after a failed start: {}", target, e.getMessage());
            if (connectionId >= 0) {
                FuseControl.abort(connectionId);
            }
        }
        LinuxCalls.close(fd);
    }

    /**
     * A lazy unmount: umount2(MNT_DETACH), or, for a user without the privilege (a mount fusermount3 made),
     * {@code fusermount3 -u -z}.
     */
    static void detach(Path target) throws IOException {
        try {
            LinuxCalls.umount2(target.toString(), LinuxCalls.MNT_DETACH);
        } catch (PosixException e) {
            if (e.errno() != Errno.EPERM || LinuxCalls.geteuid() == 0) {
                throw new IOException(e.getMessage(), e);
            }
            Fusermount.unmount(target);
        }
    }

    /** fusermount3's -o: it adds fd, rootmode, user_id and group_id itself. */
    static String fusermountOptions(MountOptions options) {
        return "nosuid,nodev," + (options.readOnly() ? "ro" : "rw") + ",fsname=" + options.fsName() + ",subtype="
                + options.subtype() + (options.defaultPermissions() ? ",default_permissions" : "")
                + (options.allowOther() ? ",allow_other" : "") + maxRead(options);
    }

    static long flags(MountOptions options) {
        return LinuxCalls.MS_NOSUID | LinuxCalls.MS_NODEV | (options.readOnly() ? LinuxCalls.MS_RDONLY : 0);
    }

    /** fd, rootmode (octal), user_id and group_id are required by the kernel; the rest are switches. */
    static String data(MountOptions options, int fd) {
        StringBuilder data = new StringBuilder()
                .append("fd=").append(fd)
                .append(",rootmode=").append(Integer.toOctalString(FileType.DIRECTORY.modeBits()))
                .append(",user_id=").append(Integer.toUnsignedString(LinuxCalls.geteuid()))
                .append(",group_id=").append(Integer.toUnsignedString(LinuxCalls.getegid()));
        if (options.defaultPermissions()) {
            data.append(",default_permissions");
        }
        if (options.allowOther()) {
            data.append(",allow_other");
        }
        return data.append(maxRead(options)).toString();
    }

    private static String maxRead(MountOptions options) {
        return options.maxRead() == MountOptions.UNLIMITED_READ ? "" : ",max_read=" + options.maxRead();
    }

    /** The connection of the mount just made: the topmost mount of {@code type} at {@code target}. */
    private static long connectionId(MountTable table, Path target, String type) throws IOException {
        Optional<MountTable.Mount> top = table.top(target);
        if (top.isEmpty() || !top.get().fsType().equals(type)) {
            throw new IOException("the new " + type + " mount does not show at " + target + " in mountinfo");
        }
        return top.get().device();
    }

    /** See {@link fuse.channel.FuseChannel#cleanStaleMount}. */
    public static boolean cleanStaleMount(Path mountpoint) throws IOException {
        return cleanStale(canonical(mountpoint));
    }

    private static boolean cleanStale(Path target) throws IOException {
        boolean cleaned = false;
        for (int i = 0; i < MAX_STACKED_STALE_MOUNTS; i++) {
            Optional<MountTable.Mount> top = MountTable.fresh().top(target);
            if (top.isEmpty() || !top.get().isFuse()) {
                return cleaned;
            }
            Probe probe = probe(target);
            if (probe.errno() != Errno.ENOTCONN) {
                return cleaned;
            }
            MountTable.Mount stale = top.get();
            LOG.info("cleaning stale FUSE mount at {} ({} from {}, connection {}): its server is gone", target,
                    stale.fsType(), stale.source(), stale.device());
            FuseControl.abort(stale.device());
            try {
                detach(target);
            } catch (IOException e) {
                throw new IOException("cannot unmount the stale FUSE mount at " + target + ": " + e.getMessage(), e);
            }
            cleaned = true;
        }
        throw new IOException("more than " + MAX_STACKED_STALE_MOUNTS + " stale mounts at " + target);
    }

    /**
     * The absolute path with symbolic links of its parent resolved. The mountpoint itself is not resolved: on a
     * stale mount resolving it fails with ENOTCONN, and the kernel mounts on the path as given.
     */
    static Path canonical(Path mountpoint) throws IOException {
        Path absolute = mountpoint.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        if (parent == null) {
            return absolute;
        }
        try {
            return parent.toRealPath().resolve(absolute.getFileName());
        } catch (NoSuchFileException e) {
            throw new IOException("mountpoint " + absolute + " is not usable: its parent does not exist", e);
        }
    }

    /** The outcome of a stat: the file type bits, or the errno. */
    record Probe(int fileType, Errno errno) {
    }

    /**
     * Stats {@code target}. When it is a FUSE mount, on the side with a timeout: a live but stuck server would
     * block the stat for as long as it is stuck.
     */
    static Probe probe(Path target) throws IOException {
        Optional<MountTable.Mount> top = MountTable.fresh().top(target);
        if (top.isEmpty() || !top.get().isFuse()) {
            return stat(target);
        }
        CompletableFuture<Probe> result = new CompletableFuture<>();
        Thread.ofPlatform().name("fuse-probe").daemon(true).start(() -> result.complete(stat(target)));
        try {
            return result.get(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException("the FUSE mount at " + target + " (connection " + top.get().device()
                    + ") does not answer within " + PROBE_TIMEOUT.toSeconds() + " s; refusing to touch it");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while probing " + target, e);
        } catch (ExecutionException e) {
            throw new IOException("probing " + target + " failed", e.getCause());
        }
    }

    private static Probe stat(Path target) {
        try {
            return new Probe(LinuxCalls.fileType(target.toString()), null);
        } catch (PosixException e) {
            return new Probe(0, e.errno());
        }
    }
}
