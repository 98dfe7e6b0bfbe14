package fuse.backend.local.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

import fuse.api.policy.PassthroughPolicy;

/**
 * The local backend's settings, as they appear in a mount's configuration (factory PID {@code fuse.mount}, next to
 * the mount's own keys). Published as the Metatype OCD {@value #OCD}; the backend service names it in its
 * {@code fuse.backend.settings} property so that the mount (or a console) can find and show it. Parsing and error
 * messages: {@link Settings}.
 */
@ObjectClassDefinition(
        id = LocalBackendSettings.OCD,
        name = "FUSE local backend",
        description = "Mirrors a host directory, confined beneath it; regular files pass through to the kernel "
                + "according to a per-file policy.")
@interface LocalBackendSettings {
    String OCD = "fuse.backend.local";

    @AttributeDefinition(
            name = "Root",
            description = "Absolute path of the host directory to mirror. Nothing outside it is reachable through "
                    + "the mount: no symlink, '..', rename race or hard link leads out. Changing it needs a remount.")
    String root();

    @AttributeDefinition(
            name = "Passthrough policy",
            description = PassthroughPolicy.POLICY_DESCRIPTION,
            options = {
                @Option(value = "always", label = "always: every regular file passes through"),
                @Option(value = "never", label = "never: every open is served in Java"),
                @Option(value = "rules", label = "rules: decided per open by the rules setting")
            })
    String policy() default "always";

    @AttributeDefinition(
            name = "Policy rules",
            description = PassthroughPolicy.RULES_DESCRIPTION,
            cardinality = Integer.MAX_VALUE,
            required = false)
    String[] rules() default {};

    @AttributeDefinition(
            name = "Node descriptors",
            description = "O_PATH descriptors the backend keeps for the files the kernel knows. Where the root's "
                    + "file system has file handles (ext4, xfs, btrfs, tmpfs... with the server as root), the "
                    + "most recently used nodes keep theirs open and the others are reopened by handle when used: "
                    + "0 keeps 1024. Without file handles every node holds one, and this is the most nodes at "
                    + "once (lookups beyond fail with ENFILE): 0 allows a quarter of the process's descriptor "
                    + "limit. Changing it needs a remount.",
            min = "0",
            required = false)
    int node__descriptors() default 0;

    @AttributeDefinition(
            name = "Watch",
            description = "How the backend watches its root for changes made behind the mount, while the mount's "
                    + "coherence is watch or auto: auto (fanotify, else inotify), fanotify (the whole file "
                    + "system; needs CAP_SYS_ADMIN and file handles), or inotify (a watch per directory the kernel "
                    + "knows, within the user's max_user_watches). Changing it needs a remount.",
            options = {
                @Option(value = "auto", label = "auto: fanotify, else inotify"),
                @Option(value = "fanotify", label = "fanotify only"),
                @Option(value = "inotify", label = "inotify only")
            },
            required = false)
    String watch() default "auto";
}
