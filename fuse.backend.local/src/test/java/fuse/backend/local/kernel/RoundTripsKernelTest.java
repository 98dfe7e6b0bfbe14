package fuse.backend.local.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import fuse.mount.testing.TestMount;
import fuse.testkit.Wait;

/**
 * Requests the kernel need not send, and does not: FLUSH on close of a file on a local disk file system (whose
 * files have no close-time hook), and a second LOOKUP of a name that did not exist a moment ago (negative
 * entries, for {@code negative_timeout}). Both with passthrough and with Java-served opens.
 */
@Timeout(120)
class RoundTripsKernelTest {
    @TempDir
    Path base;

    @Test
    void closingFilesOnALocalDiskSendsNoFlush() throws Exception {
        for (String policy : new String[] {"always", "never"}) {
            Path root = Files.createDirectories(base.resolve(policy));
            Files.writeString(root.resolve("existing"), "data");
            try (TestMount mount = LocalMounts.mount(root, policy)) {
                mount.io(() -> {
                    for (int i = 0; i < 20; i++) {
                        Files.writeString(mount.path("new-" + i), "written " + i);
                        Files.readString(mount.path("existing"));
                    }
                    return null;
                });
                assertEquals(0, settledCount(mount, "FLUSH", 0), policy + ": no FLUSH on ext4/tmpfs");
                assertEquals("written 7", Files.readString(root.resolve("new-7")), "the data reached the host");
            }
        }
    }

    @Test
    void aMissingNameIsLookedUpOncePerNegativeTimeout() throws Exception {
        Path root = Files.createDirectories(base.resolve("cached"));
        try (TestMount mount = LocalMounts.mount(root, "always", Map.of("negative_timeout", 60))) {
            Path missing = mount.path("missing");
            long before = mount.core().statistics().count("LOOKUP");
            mount.io(() -> {
                for (int i = 0; i < 10; i++) {
                    assertFalse(Files.exists(missing));
                }
                return null;
            });
            assertEquals(before + 1, settledCount(mount, "LOOKUP", before + 1), "one LOOKUP, then the kernel knows");
            mount.io(() -> Files.writeString(missing, "now here"));
            assertEquals("now here", mount.io(() -> Files.readString(missing)),
                    "a name created through the mount shows at once");
            assertEquals("now here", Files.readString(root.resolve("missing")));
        }
    }

    @Test
    void withoutANegativeTimeoutEveryMissAsks() throws Exception {
        Path root = Files.createDirectories(base.resolve("uncached"));
        try (TestMount mount = LocalMounts.mount(root, "always", Map.of("negative_timeout", 0))) {
            Path missing = mount.path("missing");
            assertThrowsNoSuchFile(mount, missing);
            Files.writeString(root.resolve("missing"), "made on the host");
            assertTrue(mount.io(() -> Files.exists(missing)), "a name made on the host shows at the next lookup");
        }
    }

    /**
     * The count of {@code operation} once it has reached {@code atLeast} and stayed put for a moment: a request is
     * counted after its reply, so the kernel (and the test) may be a little ahead of the statistics.
     */
    private static long settledCount(TestMount mount, String operation, long atLeast) {
        return Wait.settled(Duration.ofSeconds(5), Duration.ofMillis(100), operation + " requests", atLeast,
                () -> mount.core().statistics().count(operation));
    }

    private static void assertThrowsNoSuchFile(TestMount mount, Path path) throws Exception {
        mount.io(() -> {
            try {
                Files.readString(path);
                throw new AssertionError(path + " exists");
            } catch (NoSuchFileException expected) {
                return null;
            }
        });
    }
}
