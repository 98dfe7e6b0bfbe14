package fuse.backend.local.kernel;

import static fuse.posix.Linux.RLIMIT_NOFILE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import fuse.api.Errno;
import fuse.channel.FuseSession;
import fuse.mount.MountState;
import fuse.mount.testing.TestMount;
import fuse.posix.Posix;
import fuse.posix.PosixException;
import fuse.posix.ResourceLimit;
import fuse.testkit.KernelMounts;

/**
 * Unmounting tells the truth, also when the server has no descriptor left: with a file held open on the mount
 * (so the lazy unmount leaves the connection alive and the close must abort it) and the process's descriptor
 * table full, closing the mount takes it out of the mount table, the abort releases the reader threads blocked
 * in {@code read()}, and the mount reports no problem. The mount table and the connection's abort file are
 * read and written through descriptors opened with the mount.
 */
@Timeout(60)
class UnmountKernelTest {
    @TempDir
    Path base;

    @Test
    void anUnmountWithTheDescriptorTableFullStillUnmountsAndReleasesTheReaders() throws Exception {
        Path root = Files.createDirectory(base.resolve("root"));
        Files.writeString(root.resolve("held"), "held open");
        try (TestMount mount = LocalMounts.mount(root, "never")) {
            FuseSession session = mount.session();
            FileChannel held = mount.io(() -> FileChannel.open(mount.path("held"), StandardOpenOption.READ));
            ResourceLimit original = Posix.getrlimit(RLIMIT_NOFILE);
            List<Integer> filler = new ArrayList<>();
            CompletableFuture<Void> closing;
            try {
                Posix.setrlimit(RLIMIT_NOFILE, new ResourceLimit(openDescriptors() + 64, original.hard()));
                fill(filler);
                closing = CompletableFuture.runAsync(() -> mount.core().close());
                closing.get(20, TimeUnit.SECONDS);
                assertTrue(session.awaitTermination(Duration.ofSeconds(10)), "the reader threads ended");
                assertFalse(session.isMounted(), "gone from the mount table (read without a new descriptor)");
            } finally {
                filler.forEach(Posix::closeQuietly);
                Posix.setrlimit(RLIMIT_NOFILE, original);
                held.close();
            }
            assertFalse(KernelMounts.isMounted(mount.path()), "gone from /proc/mounts");
            assertEquals(MountState.UNMOUNTED, mount.core().state());
            assertEquals(Optional.empty(), mount.core().problem());
        }
    }

    /** Takes every free descriptor slot (duplicates of stdin) until EMFILE. */
    private static void fill(List<Integer> filler) throws PosixException {
        try {
            for (;;) {
                filler.add(Posix.dup(0));
            }
        } catch (PosixException e) {
            assertEquals(Errno.EMFILE, e.errno(), "filling the descriptor table");
        }
    }

    private static long openDescriptors() throws java.io.IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count() - 1;
        }
    }
}
