package fuse.backend.local.internal;

import static fuse.posix.Linux.AT_FDCWD;
import static fuse.posix.Linux.O_CLOEXEC;
import static fuse.posix.Linux.O_DIRECTORY;
import static fuse.posix.Linux.O_NOFOLLOW;
import static fuse.posix.Linux.O_PATH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import fuse.posix.Posix;
import fuse.posix.nodes.HostNodes;
import fuse.testkit.TestMountContext;

/** How the fanotify watch finds the node an event names. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostWatchTest {
    @TempDir
    Path dir;

    /**
     * A file the mount holds (e.g. one it just created, which a client then writes through a passthrough open: the
     * watch gets that write as a change) is found by its handle in the node cache, with no
     * {@code open_by_handle_at}, {@code fstat} and {@code close} per event; and so is the root.
     */
    @Test
    void aChangeToAFileTheMountHoldsIsFoundByItsHandleWithoutOpeningIt() throws Exception {
        int rootFd = Posix.openat(AT_FDCWD, dir.toString(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        try (HostNodes<LocalNode> nodes = HostNodes.open("test " + dir, rootFd, 0, LocalNode::new)) {
            assumeTrue(nodes.usesHandles(), "no file handles here (needs CAP_DAC_READ_SEARCH)");
            Files.writeString(dir.resolve("f"), "x");
            LocalNode f = (LocalNode) nodes.entry(Posix.openat(rootFd, "f", O_PATH | O_NOFOLLOW | O_CLOEXEC, 0))
                    .node();
            TestMountContext mount = new TestMountContext(dir, Map.of());
            StringBuilder why = new StringBuilder();
            HostWatch watch = HostWatch.start(dir, rootFd, nodes, mount, why);
            assumeTrue(watch != null, () -> "no fanotify here: " + why);
            try {
                Files.writeString(dir.resolve("f"), "changed"); // this thread is not the mount's: reported
                Files.writeString(dir.resolve("new"), "");
                await(mount, "data " + f);
                await(mount, "entry " + nodes.root() + "/new");
                assertEquals(0, watch.resolvedKnown(), "found in the node cache by handle, not opened");
            } finally {
                watch.close();
            }
        }
    }

    private static void await(TestMountContext mount, String invalidation) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!mount.invalidations().contains(invalidation) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(mount.invalidations().contains(invalidation),
                "no '" + invalidation + "' within 10 s; got " + mount.invalidations());
    }
}
