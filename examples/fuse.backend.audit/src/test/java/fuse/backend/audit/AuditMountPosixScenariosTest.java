package fuse.backend.audit;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import fuse.mount.testing.TestMount;
import fuse.testkit.posix.PosixDriver;
import fuse.testkit.posix.PosixScenarios;

/**
 * The same suite ({@link AuditPosixScenariosTest#FEATURES}) by real system calls on a kernel mount of the audit
 * backend (its own OSGi service class, bound as the container would bind it); the mount's watchdog aborts it if a
 * scenario ever blocks on it.
 */
class AuditMountPosixScenariosTest extends PosixScenarios {
    @TempDir
    Path root;

    private TestMount mount;

    @BeforeEach
    void mount() throws Exception {
        mount = TestMount.mount(new AuditBackend(), Map.of("root", root.toString(), "writable", true));
    }

    @AfterEach
    void unmount() throws Exception {
        mount.close();
    }

    @Override
    protected Set<Feature> features() {
        return AuditPosixScenariosTest.FEATURES;
    }

    @Override
    protected PosixDriver driver() {
        return mount.posixDriver();
    }
}
