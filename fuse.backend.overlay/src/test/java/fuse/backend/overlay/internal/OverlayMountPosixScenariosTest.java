package fuse.backend.overlay.internal;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import fuse.mount.testing.TestMount;
import fuse.posix.Posix;
import fuse.testkit.posix.PosixDriver;
import fuse.testkit.posix.PosixScenarios;

/**
 * The local backend's POSIX scenarios through a real FUSE mount of the overlay over an empty lower layer, with
 * passthrough and {@code allow_other} (so that the scenarios can act as other users; it implies
 * {@code default_permissions}). The mount's watchdog aborts it if a scenario ever blocks on it.
 */
class OverlayMountPosixScenariosTest extends PosixScenarios {
    private Fixture fx;
    private TestMount mount;

    @BeforeEach
    void mount() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root: mounts, trusted.* xattrs, whiteouts");
        fx = Fixture.create();
        Map<String, Object> config = new HashMap<>(fx.configuration());
        config.put("backend", "overlay");
        config.put("allow_other", true);
        mount = TestMount.mount(new OverlayBackend(), config, Duration.ofSeconds(55));
    }

    @AfterEach
    void unmount() throws Exception {
        try {
            if (mount != null) {
                mount.close();
            }
        } finally {
            if (fx != null) {
                fx.close();
            }
        }
    }

    @Override
    protected boolean renameWhiteoutAllowed() {
        return false;
    }

    @Override
    protected PosixDriver driver() {
        return mount.posixDriver();
    }
}
