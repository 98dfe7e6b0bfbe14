package fuse.backend.local.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import fuse.channel.InitResult;
import fuse.mount.testing.TestMount;
import fuse.testkit.posix.Python;

/**
 * A mount with {@code writeback_cache} (and passthrough off): the kernel collects writes in its page cache and
 * sends them later as whole pages, reading through the same open file the parts of a page a write does not cover,
 * and placing appends itself. What is written must reach the host intact all the same: through a write-only open,
 * through {@code O_APPEND}, and in a random pattern of small writes.
 */
@Timeout(120)
class WritebackCacheKernelTest {
    private static final Duration RUN = Duration.ofSeconds(30);

    @TempDir
    Path root;

    private TestMount mount() throws Exception {
        return LocalMounts.mount(root, "never", Map.of("passthrough", false, "writeback_cache", true));
    }

    @Test
    void theKernelRunsTheMountWithTheWritebackCacheAndWithoutPassthrough() throws Exception {
        try (TestMount mount = mount()) {
            mount.io(() -> Files.writeString(mount.path("f"), "x"));
            InitResult init = mount.core().init().orElseThrow();
            assertTrue(init.has(InitResult.WRITEBACK_CACHE));
            assertFalse(init.passthrough());
        }
    }

    @Test
    void aWriteOnlyOpenThatCoversAPageInPartKeepsTheRestOfThePage() throws Exception {
        Files.writeString(root.resolve("f"), "a".repeat(10_000));
        try (TestMount mount = mount()) {
            // Written through a write-only descriptor: the kernel must read the rest of the page first, through
            // this very open file, which works only because the backend opened it for reading too.
            mount.io(() -> {
                try (FileChannel out = FileChannel.open(mount.path("f"), StandardOpenOption.WRITE)) {
                    out.write(ByteBuffer.wrap("XYZ".getBytes(StandardCharsets.US_ASCII)), 5000);
                }
                return null;
            });
            String expected = "a".repeat(5000) + "XYZ" + "a".repeat(4997);
            assertEquals(expected, Files.readString(root.resolve("f")), "the host has it once the file is closed");
            assertEquals(expected, mount.run(RUN, "cat", mount.path("f").toString()));
        }
    }

    @Test
    void appendsLandAtTheEndOnceEach() throws Exception {
        Files.writeString(root.resolve("log"), "start\n");
        try (TestMount mount = mount()) {
            // The kernel writes the dirty page back from offset 0; a backend file opened with O_APPEND would put
            // that page after the host file's end, doubling "start".
            // Opened for reading and appending ("a+", O_RDWR | O_APPEND), so that only O_APPEND is at stake.
            String log = mount.path("log").toString();
            mount.run(RUN, Python.PYTHON, "-c", "import sys\nfor line in ('one', 'two'):\n"
                    + "    with open(sys.argv[1], 'a+') as f: f.write(line + '\\n')", log);
            mount.run(RUN, "sh", "-c", "echo three >> \"$1\"", "sh", log); // write-only: O_WRONLY | O_APPEND
            assertEquals("start\none\ntwo\nthree\n", Files.readString(root.resolve("log")));
            assertEquals("start\none\ntwo\nthree\n", mount.run(RUN, "cat", mount.path("log").toString()));
        }
    }

    @Test
    void randomSmallWritesReachTheHostIntactAfterFsync() throws Exception {
        int size = 1 << 20;
        byte[] expected = new byte[size];
        Random random = new Random(42);
        random.nextBytes(expected);
        Files.write(root.resolve("data"), expected);
        try (TestMount mount = mount()) {
            mount.io(() -> {
                try (FileChannel file = FileChannel.open(mount.path("data"), StandardOpenOption.READ,
                        StandardOpenOption.WRITE)) {
                    for (int i = 0; i < 2000; i++) {
                        // Unaligned, from a byte to a page and a half: most cover some page in part.
                        byte[] block = new byte[1 + random.nextInt(6000)];
                        random.nextBytes(block);
                        int at = random.nextInt(size - block.length + 1);
                        System.arraycopy(block, 0, expected, at, block.length);
                        file.write(ByteBuffer.wrap(block), at);
                    }
                    file.force(true);
                    assertEquals(size, file.size());
                }
                return null;
            });
            assertArrayEquals(expected, Files.readAllBytes(root.resolve("data")), "the host after fsync");
            assertArrayEquals(expected, mount.io(() -> Files.readAllBytes(mount.path("data"))), "through the mount");
        }
    }
}
