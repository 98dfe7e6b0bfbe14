package fuse.mount;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

import fuse.channel.InitResult;
import fuse.passthrough.BackingIdInfo;
import fuse.passthrough.PassthroughStatistics;

/**
 * One configured mount, registered as a service for every {@code fuse.mount} configuration (service properties:
 * the configuration's, among them {@code mountpoint} and {@code backend}). Thread-safe.
 */
@ProviderType
public interface FuseMount {

    /** The configuration that defines this mount (its PID), or a label for a mount made without OSGi. */
    String name();

    /** Where it mounts; {@code -} for a configuration that names none (its {@link #problem()} says so). */
    Path mountpoint();

    /** The configured backend: a name or an LDAP filter over backend service properties. */
    String backendTarget();

    /** The {@code fuse.backend.name} of the backend serving now, if any. */
    Optional<String> backendName();

    MountState state();

    /**
     * While {@link MountState#WAITING_FOR_BACKEND}: how long requests still wait for a backend (one deadline for the
     * mount, set when it lost its backend; {@link Duration#ZERO} once passed: requests then fail with EIO at once).
     * Empty in every other state.
     */
    default Optional<Duration> backendWaitLeft() {
        return Optional.empty();
    }

    /** What went wrong, for {@link MountState#FAILED} (and the last swap failure otherwise). */
    Optional<String> problem();

    /** The FUSE connection id (directory name under /sys/fs/fuse/connections), or -1 when not mounted. */
    long connectionId();

    /** What INIT negotiated, once the kernel has sent it. */
    Optional<InitResult> init();

    /**
     * How the kernel's caches follow changes made behind the mount, with the timeouts in force and why, e.g.
     * {@code "watch (fanotify on /dev/vda), cached 3600 s"} or
     * {@code "timeout 1 s (fanotify_init: EPERM)"}.
     */
    String coherence();

    /** Open files and directories right now. */
    int openFiles();

    MountStatistics statistics();

    PassthroughStatistics passthrough();

    /** The live backing ids of this mount. */
    List<BackingIdInfo> backingIds();

    /**
     * Moves the live mount to the backend named {@code backendName}: new requests wait briefly, the new backend's
     * file system takes over, files open on the old one stay with it until closed.
     *
     * @throws MountException when no such backend is registered, its {@code open} fails, or the mount is not up
     */
    void swap(String backendName) throws MountException;

    /**
     * Mounts again, with the configuration as it is, a mount that went away by itself ({@link MountState#UNMOUNTED}:
     * unmounted from outside, or its connection aborted).
     *
     * @throws MountException when the mount is not {@code UNMOUNTED}, or cannot be mounted again from here
     */
    default void remount() throws MountException {
        throw new MountException(name() + ": cannot be mounted again from here");
    }
}
