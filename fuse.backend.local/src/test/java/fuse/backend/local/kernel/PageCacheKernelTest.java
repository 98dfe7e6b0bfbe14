package fuse.backend.local.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import fuse.mount.testing.TestMount;
import fuse.testkit.Wait;

/**
 * Java-served files keep their page cache from one open to the next (FOPEN_KEEP_CACHE), and the kernel still
 * notices a change made on the host, outside the mount, once the file's attributes expire (FUSE_AUTO_INVAL_DATA).
 * Run with the backend serving everything ({@code policy=never}) and with a mount whose passthrough is off (the
 * backend's passthrough wishes fall back to Java).
 */
@Timeout(120)
class PageCacheKernelTest {
    private static final Duration RUN = Duration.ofSeconds(30);
    /** Short, so that the test waits little for the attributes to expire. */
    private static final double ATTR_TIMEOUT = 0.3;
    /** Well past {@link #ATTR_TIMEOUT}: how long a host change may take to show through the mount. */
    private static final Duration AFTER_ATTR_TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path root;

    private static TestMount mount(Path root, String policy, boolean passthrough) throws Exception {
        return LocalMounts.mount(root, policy,
                Map.of("passthrough", passthrough, "attr_timeout", ATTR_TIMEOUT, "entry_timeout", ATTR_TIMEOUT));
    }

    private static String cat(TestMount mount, String name) throws Exception {
        return mount.run(RUN, "cat", mount.path(name).toString());
    }

    /** READ requests so far, once the count stopped moving (a request is counted just after its reply). */
    private static long reads(TestMount mount) {
        return Wait.settled(Duration.ofSeconds(10), Duration.ofMillis(50), "READ requests",
                () -> mount.core().statistics().count("READ"));
    }

    @ParameterizedTest(name = "policy={0} passthrough={1}")
    @CsvSource({"never, true", "always, false"})
    void aWarmReReadIsServedFromThePageCache(String policy, boolean passthrough) throws Exception {
        String content = "0123456789abcdef".repeat(256 * 1024); // 4 MiB
        Files.writeString(root.resolve("f"), content);
        try (TestMount mount = mount(root, policy, passthrough)) {
            assertEquals(content, cat(mount, "f"));
            long first = reads(mount);
            assertTrue(first > 0, "the first read reaches the server");
            for (int i = 0; i < 3; i++) {
                assertEquals(content, cat(mount, "f"));
            }
            // Three re-reads served by the server would cost three times the first read's READs. Not zero: this
            // VM's DAMON pageout scheme can reclaim page cache between the reads (a full run once saw 18 for 16).
            long reReads = reads(mount) - first;
            assertTrue(reReads < first, "re-reads in new opens come from the page cache: " + reReads
                    + " READs for three re-reads, " + first + " for the first read");
            assertEquals(0, mount.core().passthrough().passthroughOpens());
        }
    }

    @ParameterizedTest(name = "policy={0} passthrough={1}")
    @CsvSource({"never, true", "always, false"})
    void aChangeOnTheHostIsReadAfterTheAttributesExpire(String policy, boolean passthrough) throws Exception {
        Path file = root.resolve("f");
        Files.writeString(file, "old content, one");
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
        try (TestMount mount = mount(root, policy, passthrough)) {
            assertEquals("old content, one", cat(mount, "f"));
            // The same size and a new mtime: only FUSE_AUTO_INVAL_DATA makes the kernel drop the cached page.
            Files.writeString(file, "new content, two", StandardOpenOption.TRUNCATE_EXISTING);
            Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2021-01-01T00:00:00Z")));
            Wait.until(AFTER_ATTR_TIMEOUT, "the host's new content once the attributes expired",
                    () -> cat(mount, "f").equals("new content, two"));

            // A size change as well (the kernel truncates or drops its pages on a new size).
            Files.writeString(file, "longer content, three", StandardOpenOption.TRUNCATE_EXISTING);
            Wait.until(AFTER_ATTR_TIMEOUT, "the host's longer content once the attributes expired",
                    () -> cat(mount, "f").equals("longer content, three"));
        }
    }

    @ParameterizedTest(name = "policy={0} passthrough={1}")
    @CsvSource({"never, true", "always, false"})
    void writesThroughTheMountAreReadBackInLaterOpens(String policy, boolean passthrough) throws Exception {
        Path file = root.resolve("f");
        Files.writeString(file, "a".repeat(8192));
        try (TestMount mount = mount(root, policy, passthrough)) {
            assertEquals("a".repeat(8192), cat(mount, "f"));
            mount.io(() -> Files.writeString(mount.path("f"), "bbbb", StandardOpenOption.WRITE));
            String expected = "bbbb" + "a".repeat(8188);
            assertEquals(expected, cat(mount, "f"), "the page cache holds what was written");
            assertEquals(expected, Files.readString(file, StandardCharsets.UTF_8), "and so does the host");
            mount.io(() -> Files.writeString(mount.path("f"), "c", StandardOpenOption.APPEND));
            assertEquals(expected + "c", cat(mount, "f"));
        }
    }
}
