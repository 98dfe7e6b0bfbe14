package fuse.backend.local.kernel;

import static fuse.backend.local.kernel.CoherenceKernelTest.names;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import fuse.mount.testing.TestMount;
import fuse.testkit.Wait;

/**
 * The inotify watch at the user's limit ({@code fs.inotify.max_user_watches}): when a directory the mount uses can
 * no longer be watched, the watch gives up, the kernel drops what it cached for an hour, the mount goes back to
 * short timeouts and says why in its coherence line, and it keeps serving: a change on the host then shows within
 * the short timeout.
 *
 * <p>The limit is the user's, shared by every program of root on the machine: the test lowers it only for the few
 * lookups that must hit it and puts it back at once, in {@code finally}.
 */
@Timeout(60)
class WatchLimitKernelTest {
    private static final Path MAX_USER_WATCHES = Path.of("/proc/sys/fs/inotify/max_user_watches");
    private static final int DIRECTORIES = 4;

    @TempDir
    Path base;

    @Test
    void atTheUsersWatchLimitTheMountGoesBackToShortTimeoutsAndStaysCoherent() throws Exception {
        assumeTrue(Files.isWritable(MAX_USER_WATCHES), "needs root to lower " + MAX_USER_WATCHES);
        Path root = Files.createDirectory(base.resolve("root"));
        for (int i = 0; i < DIRECTORIES; i++) {
            Files.writeString(Files.createDirectory(root.resolve("d" + i)).resolve("f"), "x");
        }
        Map<String, Object> options = Map.of("coherence", "watch", "watch", "inotify");
        try (TestMount mount = LocalMounts.mount(root, "always", options)) {
            Path mnt = mount.path();
            assertTrue(mount.core().coherence().startsWith("watch (inotify"), mount.core().coherence());
            // The root is watched already: at a limit of 1 every further watch is refused (ENOSPC), whatever else
            // root's programs watch.
            String saved = read(MAX_USER_WATCHES);
            Files.writeString(MAX_USER_WATCHES, "1");
            try {
                for (int i = 0; i < DIRECTORIES; i++) {
                    assertEquals(Set.of("f"), names(mnt.resolve("d" + i))); // served while the watch gives up
                }
            } finally {
                Files.writeString(MAX_USER_WATCHES, saved);
            }
            String coherence = mount.core().coherence();
            assertTrue(coherence.startsWith("timeout 1 s (inotify: max_user_watches (1) reached"), coherence);

            // Cached before: still right, through the short timeouts.
            Files.writeString(root.resolve("d0/new"), "x");
            Files.delete(root.resolve("d1/f"));
            Wait.until(Duration.ofSeconds(5), "the host's changes through the mount after the short timeout",
                    () -> names(mnt.resolve("d0")).equals(Set.of("f", "new"))
                            && names(mnt.resolve("d1")).isEmpty() && !Files.exists(mnt.resolve("d1/f")));
        }
    }

    private static String read(Path sysctl) throws IOException {
        List<String> lines = Files.readAllLines(sysctl); // not readString: see InotifyWatch.maxUserWatches
        return lines.getFirst().trim();
    }
}
