package fuse.backend.local.kernel;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import fuse.posix.Posix;

/**
 * Two identical trees for a test that compares what an ordinary user gets on the host with what it gets through a
 * mount: {@code host} is used directly, {@code root} is the mount's root. Made as root (the test switches to
 * another user; skipped otherwise) in a base directory that user can reach.
 */
record TwinTrees(Path host, Path root) {
    /** Makes the tree at {@code dir}; answers its top. */
    @FunctionalInterface
    interface Populator {
        Path populate(Path dir) throws Exception;
    }

    static TwinTrees in(Path base, Populator populator) throws Exception {
        assumeTrue(Posix.geteuid() == 0, "switching to another user needs root");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new TwinTrees(populator.populate(base.resolve("host")), populator.populate(base.resolve("root")));
    }
}
