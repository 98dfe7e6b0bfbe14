package fuse.mount.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import fuse.mount.testing.MemoryFileSystem;
import fuse.mount.testing.TestMount;
import fuse.testkit.Wait;

/**
 * Node lifetime through a real kernel: files another process looked up are released by the mount once each when
 * the kernel drops its inodes ({@code drop_caches}: FORGET and BATCH_FORGET), looked up anew afterwards, and
 * nothing is left in the mount's node table or held in the backend.
 */
@Timeout(60)
class NodeReleaseKernelTest {
    private static final Path DROP_CACHES = Path.of("/proc/sys/vm/drop_caches");
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int FILES = 200;

    /**
     * Drops the kernel's unused dentries and inodes, ours among them, until the kernel forgot every node (it sends
     * their FORGETs; a directory may go only with a later drop, once its children went).
     */
    private static void dropCachesUntilReleased(MemoryFileSystem fs, int round) {
        long[] polls = {0};
        Wait.until(WAIT, () -> "the kernel's forgets of round " + round + ": still held " + fs.heldReferences(),
                () -> {
                    if (fs.heldReferences() == 0) {
                        return true;
                    }
                    if (polls[0]++ % 50 == 0) {
                        Files.writeString(DROP_CACHES, "2");
                    }
                    return false;
                });
    }

    @Test
    void nodesTheKernelDropsAreReleasedOnceEachAndNothingLeaks() throws Exception {
        assumeTrue(Files.isWritable(DROP_CACHES), "needs root to drop the kernel's caches");
        MemoryFileSystem fs = new MemoryFileSystem("mem");
        List<String> files = new ArrayList<>();
        for (int i = 0; i < FILES; i++) {
            fs.file("/d/f" + i, "x");
            files.add("/d/f" + i);
        }
        try (TestMount mount = TestMount.mount(fs, Map.of("entry_timeout", 3600, "attr_timeout", 3600))) {
            List<String> stat = new ArrayList<>(List.of("stat", "-c", "%i"));
            files.forEach(f -> stat.add(mount.path(f.substring(1)).toString()));
            for (int round = 1; round <= 2; round++) {
                mount.run(WAIT, stat.toArray(String[]::new));
                assertEquals(FILES + 1, fs.heldReferences(), "d and its files looked up by another process");
                dropCachesUntilReleased(fs, round);
                for (String f : files) {
                    assertEquals(round, fs.releases(f), f + ": released once per time the kernel dropped it");
                }
                assertEquals(round, fs.releases("/d"));
                assertEquals(1, mount.core().statistics().nodes(), "only the root is left in the node table");
            }
        }
    }
}
