package fuse.backend.overlay.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import fuse.posix.Posix;
import fuse.testkit.TestCaller;
import fuse.testkit.posix.PosixDriver;
import fuse.testkit.posix.PosixScenarios;
import fuse.testkit.posix.SpiDriver;

/**
 * The local backend's POSIX scenarios through the overlay's SPI, over an empty lower layer: with nothing below,
 * an overlay must behave like a plain directory. Every reference taken is given back, so only the root remains.
 */
class OverlayPosixScenariosTest extends PosixScenarios {
    private Fixture fx;
    private OverlayFileSystem fs;

    @BeforeEach
    void open() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root (trusted.* xattrs, whiteouts)");
        fx = Fixture.create();
        fs = fx.open();
    }

    @AfterEach
    void close() throws Exception {
        try {
            if (fs != null) {
                assertEquals(1, fs.nodeCount(), "nodes left referenced after the scenario");
            }
        } finally {
            if (fs != null) {
                fs.close();
            }
            if (fx != null) {
                fx.close();
            }
        }
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
