package fuse.backend.local.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import fuse.api.FuseException;
import fuse.testkit.posix.PosixDriver;
import fuse.testkit.posix.PosixScenarios;
import fuse.testkit.posix.SpiDriver;
import fuse.testkit.TestCaller;

/**
 * The scenarios through the local backend's SPI, as the mount calls it. After each scenario every reference the
 * driver took has been given back, so only the root node may remain.
 */
class LocalPosixScenariosTest extends PosixScenarios {
    @TempDir
    Path dir;

    private LocalFileSystem fs;

    @BeforeEach
    void open() throws FuseException {
        fs = LocalFileSystem.open(Settings.parse(Map.of("root", dir.toString())));
    }

    @AfterEach
    void close() {
        try {
            assertEquals(1, fs.nodeCount(), "nodes left referenced after the scenario");
        } finally {
            fs.close();
        }
    }

    @Override
    protected PosixDriver driver() {
        // Same umask as the host run: a mount's caller brings its own, the backend applies exactly that.
        return new SpiDriver(fs, TestCaller.root());
    }
}
