package fuse.backend.local.kernel;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

import fuse.mount.testing.TestMount;
import fuse.testkit.posix.PosixDriver;
import fuse.testkit.posix.PosixScenarios;

/**
 * The POSIX scenarios by real system calls on a mount of the local backend, the same scenarios the host's own
 * file system and the backend's SPI pass ({@code HostPosixScenariosTest}, {@code LocalPosixScenariosTest}): with
 * every regular file passed through and with everything served in Java, each with and without
 * {@code allow_other} (which brings the kernel's own permission checks, {@code default_permissions}), and served
 * in Java through the kernel's writeback cache.
 */
class MountedPosixScenariosTest {

    /** The scenarios on a fresh mount per test. */
    abstract static class OnMount extends PosixScenarios {
        private final String policy;
        private final Map<String, ?> options;

        @TempDir
        Path root;

        private TestMount mount;

        OnMount(String policy, boolean allowOther) {
            this(policy, Map.of("allow_other", allowOther));
        }

        OnMount(String policy, Map<String, ?> options) {
            this.policy = policy;
            this.options = options;
        }

        @BeforeEach
        void mount() throws Exception {
            mount = LocalMounts.mount(root, policy, options);
        }

        @AfterEach
        void unmount() throws Exception {
            mount.close();
        }

        @Override
        protected PosixDriver driver() {
            return mount.posixDriver();
        }
    }

    @Nested
    @DisplayName("policy=always")
    class Always extends OnMount {
        Always() {
            super("always", false);
        }
    }

    @Nested
    @DisplayName("policy=never")
    class Never extends OnMount {
        Never() {
            super("never", false);
        }
    }

    @Nested
    @DisplayName("policy=always, allow_other")
    class AlwaysAllowOther extends OnMount {
        AlwaysAllowOther() {
            super("always", true);
        }
    }

    @Nested
    @DisplayName("policy=never, allow_other")
    class NeverAllowOther extends OnMount {
        NeverAllowOther() {
            super("never", true);
        }
    }

    /** Served in Java through the kernel's writeback cache. */
    abstract static class OnWritebackMount extends OnMount {
        OnWritebackMount(boolean allowOther) {
            super("never", Map.of("passthrough", false, "writeback_cache", true, "allow_other", allowOther));
        }

        /** The mount leaves SEEK_DATA/SEEK_HOLE to the kernel, which does not know the backend's holes. */
        @Override
        protected boolean reportsHoles() {
            return false;
        }
    }

    @Nested
    @DisplayName("passthrough off, writeback_cache")
    class WritebackCache extends OnWritebackMount {
        WritebackCache() {
            super(false);
        }
    }

    @Nested
    @DisplayName("passthrough off, writeback_cache, allow_other")
    class WritebackCacheAllowOther extends OnWritebackMount {
        WritebackCacheAllowOther() {
            super(true);
        }
    }
}
