package fuse.backend.local.internal;

import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;

import fuse.testkit.posix.PathDriver;
import fuse.testkit.posix.PosixDriver;
import fuse.testkit.posix.PosixScenarios;

/** The scenarios against the host's own file system: checks the expectations themselves. */
class HostPosixScenariosTest extends PosixScenarios {
    @TempDir
    Path dir;

    @Override
    protected PosixDriver driver() {
        return new PathDriver(dir);
    }
}
