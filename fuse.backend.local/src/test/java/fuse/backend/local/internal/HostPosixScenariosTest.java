package fuse.backend.local.internal;

import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;

import fuse.posixtest.PathDriver;
import fuse.posixtest.PosixDriver;
import fuse.posixtest.PosixScenarios;

/** The scenarios against the host's own file system: checks the expectations themselves. */
class HostPosixScenariosTest extends PosixScenarios {
    @TempDir
    Path dir;

    @Override
    protected PosixDriver driver() {
        return new PathDriver(dir);
    }
}
