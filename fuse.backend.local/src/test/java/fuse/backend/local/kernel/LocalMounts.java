package fuse.backend.local.kernel;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import fuse.backend.local.internal.LocalBackend;
import fuse.mount.testing.TestMount;

/** Mounts the local backend (as its OSGi service would be bound) over a host directory. */
final class LocalMounts {
    private LocalMounts() {
    }

    /** The policy argument that leaves the {@code policy} key out: the backend's default. */
    static final String DEFAULT_POLICY = "default";

    /**
     * @param root the host directory to mirror
     * @param policy the passthrough policy ({@code always}, {@code never}), or {@link #DEFAULT_POLICY}
     * @param options further mount keys ({@code allow_other}, ...)
     */
    static TestMount mount(Path root, String policy, Map<String, ?> options) throws Exception {
        Map<String, Object> configuration = new HashMap<>(options);
        configuration.put("root", root.toString());
        if (!policy.equals(DEFAULT_POLICY)) {
            configuration.put("policy", policy);
        }
        return TestMount.mount(new LocalBackend(), configuration);
    }

    static TestMount mount(Path root, String policy) throws Exception {
        return mount(root, policy, Map.of());
    }
}
