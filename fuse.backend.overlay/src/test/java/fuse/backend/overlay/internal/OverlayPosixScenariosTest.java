package fuse.backend.overlay.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

import fuse.testkit.TestCaller;
import fuse.testkit.posix.PosixDriver;
import fuse.testkit.posix.PosixScenarios;
import fuse.testkit.posix.SpiDriver;

/**
 * The local backend's POSIX scenarios through the overlay's SPI, over an empty lower layer: with nothing below,
 * an overlay must behave like a plain directory. Every reference taken is given back, so only the root remains.
 */
class OverlayPosixScenariosTest extends PosixScenarios {
    @RegisterExtension
    final Fixture fx = new Fixture();
    private OverlayFileSystem fs;

    @BeforeEach
    void open() throws Exception {
        fs = fx.open();
    }

    /** The fixture closes the overlay afterwards. */
    @AfterEach
    void everyReferenceGivenBack() {
        assertEquals(1, fs.nodeCount(), "nodes left referenced after the scenario");
    }

    /** overlayfs keeps whiteouts for itself: a caller's RENAME_WHITEOUT is EINVAL, as in the kernel. */
    @Override
    protected boolean renameWhiteoutAllowed() {
        return false;
    }

    @Override
    protected PosixDriver driver() {
        return new SpiDriver(fs, TestCaller.root());
    }
}
