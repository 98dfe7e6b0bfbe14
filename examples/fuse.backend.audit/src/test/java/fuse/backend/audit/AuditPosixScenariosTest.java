package fuse.backend.audit;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import fuse.api.FuseException;
import fuse.testkit.TestCaller;
import fuse.testkit.posix.PosixDriver;
import fuse.testkit.posix.PosixScenarios;
import fuse.testkit.posix.SpiDriver;

/**
 * The project's POSIX conformance suite through the audit backend's SPI, as the mount calls it, for what the
 * example offers: files and directories with modes, owners and times; no links, special files, xattrs,
 * fallocate or copy_file_range, and it creates as the server, not as the caller.
 */
class AuditPosixScenariosTest extends PosixScenarios {
    static final Set<Feature> FEATURES = EnumSet.of(Feature.CHOWN);

    @TempDir
    Path root;

    private AuditFileSystem fs;

    @BeforeEach
    void open() throws FuseException {
        fs = AuditFileSystem.open(Settings.parse(Map.of("root", root.toString(), "writable", true)), "/test");
    }

    @AfterEach
    void close() {
        fs.close();
    }

    @Override
    protected Set<Feature> features() {
        return FEATURES;
    }

    @Override
    protected PosixDriver driver() {
        return new SpiDriver(fs, TestCaller.root());
    }
}
