package fuse.backend.overlay.internal;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

import fuse.mount.testing.TestMount;
import fuse.testkit.posix.PosixDriver;
import fuse.testkit.posix.PosixScenarios;

/**
 * The local backend's POSIX scenarios through a real FUSE mount of the overlay over an empty lower layer, with
 * passthrough and {@code allow_other} (so that the scenarios can act as other users; it implies
 * {@code default_permissions}). The mount's watchdog aborts it if a scenario ever blocks on it.
 */
class OverlayMountPosixScenariosTest extends PosixScenarios {
    @RegisterExtension
    final Fixture fx = new Fixture();
    private TestMount mount;

    @BeforeEach
    void mount() throws Exception {
        // Within the scenarios' own timeout, so the watchdog answers a blocked scenario before JUnit gives up.
        mount = TestMount.mount(new OverlayBackend(), fx.mountConfiguration("allow_other", true),
                Duration.ofSeconds(55));
    }

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) {
            mount.close();
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
