package fuse.backend.local.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

import fuse.api.policy.PassthroughPolicySettings;
import fuse.posix.nodes.HostRootSettings;

/**
 * The local backend's settings, as they appear in a mount's configuration (factory PID {@code fuse.mount}, next to
 * the mount's own keys). Published as the Metatype OCD {@value #OCD}; the backend service names it in its
 * {@code fuse.backend.settings} property so that the mount (or a console) can find and show it. Parsing and error
 * messages: {@link Settings}. The {@code root}, {@code policy} and {@code rules} attributes come from the interfaces
 * it extends, which declare them once for every backend that takes them.
 */
@ObjectClassDefinition(
        id = LocalBackendSettings.OCD,
        name = "FUSE local backend",
        description = "Mirrors a host directory, confined beneath it; regular files pass through to the kernel "
                + "according to a per-file policy.")
interface LocalBackendSettings extends HostRootSettings, PassthroughPolicySettings {
    String OCD = "fuse.backend.local";

    @AttributeDefinition(
            name = "Node descriptors",
            description = "O_PATH descriptors the backend keeps for the files the kernel knows. Where the root's "
                    + "file system has file handles (ext4, xfs, btrfs, tmpfs... with the server as root), the "
                    + "most recently used nodes keep theirs open and the others are reopened by handle when used: "
                    + "0 keeps 1024. Without file handles every node holds one, and this is the most nodes at "
                    + "once (lookups beyond fail with ENFILE): 0 allows a quarter of the process's descriptor "
                    + "limit. Changing it needs a remount.",
            min = "0",
            defaultValue = "0",
            required = false)
    int node__descriptors();

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
            defaultValue = "auto",
            required = false)
    String watch();
}
