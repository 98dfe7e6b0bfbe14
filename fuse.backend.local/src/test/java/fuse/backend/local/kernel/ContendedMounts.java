package fuse.backend.local.kernel;

import static fuse.posix.Linux.AT_FDCWD;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import fuse.mount.testing.TestMount;
import fuse.posix.Posix;

/**
 * The fixture of the resource-limit tests: two mounts of the local backend in this one server with the same
 * options, {@link #contended} over a sticky world-writable directory ({@link #shared}, as {@code /tmp}) that
 * another user fills through {@code allow_other}, and {@link #spare} over a directory of root's ({@link #other}),
 * which must keep serving root meanwhile: a limit hit on one mount must not starve the other. Needs root (the
 * tests switch users); skips the test otherwise.
 */
final class ContendedMounts implements AutoCloseable {
    final Path shared;
    final Path other;
    final TestMount contended;
    final TestMount spare;

    private ContendedMounts(Path shared, Path other, TestMount contended, TestMount spare) {
        this.shared = shared;
        this.other = other;
        this.contended = contended;
        this.spare = spare;
    }

    /**
     * @param base an empty directory of the test's (its {@code @TempDir})
     * @param policy as {@link LocalMounts#mount(Path, String, Map)}
     * @param options the mount keys of both mounts, {@code allow_other} among them
     */
    static ContendedMounts mount(Path base, String policy, Map<String, ?> options) throws Exception {
        assumeTrue(Posix.geteuid() == 0, "switching to another user needs root");
        Path shared = Files.createDirectory(base.resolve("shared"));
        Posix.fchmodat(AT_FDCWD, shared.toString(), 01777, 0);
        Posix.fchmodat(AT_FDCWD, base.toString(), 0755, 0);
        Path other = Files.createDirectory(base.resolve("other"));
        TestMount contended = LocalMounts.mount(shared, policy, options);
        try {
            return new ContendedMounts(shared, other, contended, LocalMounts.mount(other, policy, options));
        } catch (Exception | Error e) {
            contended.close();
            throw e;
        }
    }

    @Override
    public void close() throws Exception {
        try {
            spare.close();
        } finally {
            contended.close();
        }
    }
}
