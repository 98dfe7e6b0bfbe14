package fuse.mount.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import fuse.channel.MountOptions;

/**
 * The Metatype description of a {@code fuse.mount} factory configuration. Reading and checking the values is
 * {@link MountConfig}'s job; this interface only describes them (method names map to keys: {@code __} is
 * {@code _}).
 */
@ObjectClassDefinition(id = MountComponent.PID, name = "FUSE mount",
        description = "One FUSE mount served by a backend. Besides these keys, the configuration carries the "
                + "backend's own settings under their own names (root and policy for the local backend; lowerdir, "
                + "upperdir and workdir for the overlay backend); the backend reads them and reports a bad one by "
                + "name.")
@interface MountConfiguration {

    @AttributeDefinition(name = "Mountpoint", description = "An existing directory to mount on (absolute path). "
            + "It is not created: a missing one is reported as an error.")
    String mountpoint();

    @AttributeDefinition(name = "Backend", description = "The backend's name (its fuse.backend.name), or an LDAP "
            + "filter over backend service properties such as (fuse.backend.name=local). The mount comes up "
            + "even while no such backend is registered; requests then wait for one.")
    String backend() default MountConfig.DEFAULT_BACKEND;

    @AttributeDefinition(name = "Reader threads", description = "Threads reading requests from the kernel, "
            + "each on its own cloned /dev/fuse descriptor; 0 = one per core.", min = "0", max = "256")
    int threads() default 0;

    @AttributeDefinition(name = "Allow other users", description = "Let users other than the container's "
            + "access the mount; turns default_permissions on.")
    boolean allow__other() default false;

    @AttributeDefinition(name = "Kernel permission checks", description = "Let the kernel check mode bits "
            + "and POSIX ACLs (always on with allow_other).")
    boolean default__permissions() default false;

    @AttributeDefinition(name = "Passthrough", description = "Let the kernel serve the files the backend chooses "
            + "straight from their backing files.")
    boolean passthrough() default true;

    @AttributeDefinition(name = "Writeback cache", description = "Let the kernel collect writes in its page "
            + "cache and send them later as whole pages: small and random writes get several times faster. The "
            + "kernel then trusts its own size and "
            + "mtime, so a change made to a cached file on the host, outside the mount, may stay unseen. Needs "
            + "passthrough off.")
    boolean writeback__cache() default false;

    @AttributeDefinition(name = "Transport", description = "How requests reach the mount: uring (FUSE over "
            + "io_uring, Linux 6.14+ with the fuse module parameter enable_uring on: one queue per CPU, fewer "
            + "system calls per request), device (/dev/fuse), or auto (uring when the kernel offers it, else "
            + "device).", options = {@org.osgi.service.metatype.annotations.Option(label = "auto", value = "auto"),
                @org.osgi.service.metatype.annotations.Option(label = "uring", value = "uring"),
                @org.osgi.service.metatype.annotations.Option(label = "device", value = "device")})
    String transport() default "auto";

    @AttributeDefinition(name = "Maximum stacking depth", description = "1 when backing files live on ext4, xfs, "
            + "tmpfs…; 2 when they live on overlayfs or another FUSE mount (container root file systems).",
            options = {@org.osgi.service.metatype.annotations.Option(label = "1", value = "1"),
                @org.osgi.service.metatype.annotations.Option(label = "2", value = "2")})
    int max__stack__depth() default 1;

    @AttributeDefinition(name = "Maximum read size", description = "The largest read the kernel sends the "
            + "mount, in bytes (the mount option max_read, at least 4096); 0: no limit but the kernel's request "
            + "size. Reads the kernel serves from backing files (passthrough) are not split.", min = "0")
    int max__read() default MountOptions.UNLIMITED_READ;

    @AttributeDefinition(name = "Read-only", description = "Mount read-only.")
    boolean read__only() default false;

    @AttributeDefinition(name = "Source name", description = "The mount's source in the mount table "
            + "(/proc/mounts, df). Unset: the backend's name. mount.fuse.osgi sets the fstab source, so that mount -a "
            + "sees the line mounted.", required = false)
    String fsname();

    @AttributeDefinition(name = "Forget on unmount", description = "Delete this configuration when the mount is "
            + "unmounted from outside (umount, fusermount3 -u), as a mount made with mount(8) ends with umount(8). "
            + "mount.fuse.osgi sets it; otherwise such a mount stays listed as unmounted and fuse:mount mounts it "
            + "again. Stopping the container keeps it either way.")
    boolean forget__on__unmount() default false;

    @AttributeDefinition(name = "Warm up", description = "While the first local-backend mount of the container is "
            + "being made, run the listing path in the background (about 0.1 s of CPU, once per container) on a "
            + "private temporary directory (on tmpfs where /dev/shm is writable), never on the mount's files, so that "
            + "the JIT has compiled it before the first listing of a big directory. false: this mount does not start "
            + "it.")
    boolean warm__up() default true;

    @AttributeDefinition(name = "Coherence", description = "How the kernel's caches learn of changes made on "
            + "the host, behind the mount. watch: the backend watches its source (local: fanotify) and tells the "
            + "kernel what changed, so names and attributes are cached for long (3600 s unless set); a backend "
            + "that cannot watch fails to open. timeout: cached entries expire after 1 s (unless set). auto: watch "
            + "where the backend can, else timeout; the log and fuse:mounts say which and why.",
            options = {@org.osgi.service.metatype.annotations.Option(label = "auto", value = "auto"),
                @org.osgi.service.metatype.annotations.Option(label = "watch", value = "watch"),
                @org.osgi.service.metatype.annotations.Option(label = "timeout", value = "timeout")})
    String coherence() default "auto";

    @AttributeDefinition(name = "Entry timeout", description = "Seconds the kernel caches a name lookup. Unset: "
            + "3600 while the backend watches its source (coherence), else 1.", min = "0", required = false)
    double entry__timeout();

    @AttributeDefinition(name = "Attribute timeout", description = "Seconds the kernel caches attributes. Unset: "
            + "3600 while the backend watches its source (coherence), else 1.", min = "0", required = false)
    double attr__timeout();

    @AttributeDefinition(name = "Negative timeout", description = "Seconds the kernel remembers that a name does "
            + "not exist, so that looking it up again (build tools probing paths) does not reach the backend. Unset: "
            + "the entry timeout; 0 asks every time.", min = "0", required = false)
    double negative__timeout();

    @AttributeDefinition(name = "Backend wait", description = "Seconds requests wait for a missing backend, "
            + "counted once per mount from when it lost its backend; then they fail with EIO at once until one returns.", min = "0")
    double backend__wait() default MountConfig.DEFAULT_BACKEND_WAIT_SECONDS;

    @AttributeDefinition(name = "Maximum open files", description = "Files and directories open at once on this "
            + "mount (each holds a descriptor of the server); an open beyond it fails with EMFILE for that caller "
            + "only, so one mount or user cannot take the descriptors the others need. 0: half of the process's "
            + "descriptor limit (RLIMIT_NOFILE), shared equally by the server's mounts.", min = "0")
    int max__open__files() default MountConfig.DEFAULT_MAX_OPEN_FILES;
}
