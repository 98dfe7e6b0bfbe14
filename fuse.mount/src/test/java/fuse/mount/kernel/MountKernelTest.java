package fuse.mount.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import fuse.mount.MountState;
import fuse.mount.testing.MemoryFileSystem;
import fuse.mount.testing.TestMount;
import fuse.testkit.Wait;

/** The mount manager through real kernel mounts: everyday file operations, swaps, a backend that comes late. */
@Timeout(60)
class MountKernelTest {

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void everydayOperationsReachTheBackend() throws Exception {
        MemoryFileSystem fs = new MemoryFileSystem("mem").file("/docs/readme", "hello");
        try (TestMount mount = TestMount.mount(fs, Map.of())) {
            Path docs = mount.path("docs");
            assertEquals("hello", mount.io(() -> Files.readString(docs.resolve("readme"))));
            mount.io(() -> {
                Files.createDirectory(mount.path("new"));
                Files.writeString(mount.path("new/file"), "written through the mount");
                Files.move(mount.path("new/file"), docs.resolve("moved"), StandardCopyOption.ATOMIC_MOVE);
                Files.createSymbolicLink(mount.path("link"), Path.of("docs/moved"));
                Files.createLink(mount.path("hard"), docs.resolve("readme"));
                return null;
            });
            assertEquals("written through the mount", fs.content("/docs/moved"));
            assertEquals(List.of("moved", "readme"), mount.io(() -> list(docs)));
            assertEquals("written through the mount", mount.io(() -> Files.readString(mount.path("link"))));
            assertEquals(List.of("docs", "hard", "link", "new"), mount.io(() -> list(mount.path())));
            assertEquals(25L, (long) mount.io(() -> Files.size(docs.resolve("moved"))));
            mount.io(() -> {
                try (FileChannel channel = FileChannel.open(docs.resolve("moved"), StandardOpenOption.WRITE)) {
                    channel.truncate(7);
                }
                Files.delete(mount.path("link"));
                Files.delete(mount.path("hard"));
                Files.delete(mount.path("new"));
                return null;
            });
            assertEquals("written", fs.content("/docs/moved"));
            assertEquals(List.of("docs"), mount.io(() -> list(mount.path())));
            assertThrows(java.nio.file.NoSuchFileException.class, () -> mount.io(() -> Files.size(mount.path("nope"))));
            assertTrue(mount.core().statistics().count("LOOKUP") > 0);
        }
        assertTrue(fs.closed);
        assertEquals(0, fs.openHandles.get());
    }

    @Test
    void aSwapKeepsOpenFilesOnTheOldBackendAndShowsTheNewOneToNewOpens() throws Exception {
        MemoryFileSystem old = new MemoryFileSystem("old").file("/f", "old content").file("/only-old", "x");
        MemoryFileSystem next = new MemoryFileSystem("new").file("/f", "new content").file("/only-new", "y");
        try (TestMount mount = TestMount.mount(old, Map.of("entry_timeout", 60, "attr_timeout", 60))) {
            Path f = mount.path("f");
            FileChannel open = mount.io(() -> FileChannel.open(f, StandardOpenOption.WRITE));
            assertEquals(List.of("f", "only-old"), mount.io(() -> list(mount.path())));
            assertFalse(mount.io(() -> Files.exists(mount.path("only-new"))), "a negative entry, for 60 s");

            mount.swapTo("next", ctx -> next);
            assertEquals(MountState.SERVING, mount.core().state());
            assertEquals("next", mount.core().backendName().orElseThrow());
            // Long cache timeouts: only the invalidation after the swap makes the kernel ask again.
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            String seen;
            do {
                seen = mount.io(() -> Files.readString(f));
            } while (!seen.equals("new content") && System.nanoTime() < deadline);
            assertEquals("new content", seen);
            assertTrue(mount.io(() -> Files.exists(mount.path("only-new"))), "the swap dropped the negative entry");
            assertEquals(List.of("f", "only-new"), mount.io(() -> list(mount.path())));
            // The kernel's inode (and its page cache) is shared by old and new opens; what stays with the old
            // backend is the open file's handle: its writes, reads that miss the cache, fsync and release.
            mount.io(() -> open.write(ByteBuffer.wrap("OLD".getBytes(StandardCharsets.UTF_8)), 0));
            assertEquals("OLD content", old.content("/f"), "a file opened before the swap writes to its backend");
            assertEquals("new content", next.content("/f"));
            assertFalse(old.closed);
            mount.io(() -> {
                open.close();
                return null;
            });
            Wait.until(Duration.ofSeconds(5), "the old file system to close after its last file", () -> old.closed);
            assertEquals(1, mount.core().statistics().swaps());
        }
    }

    @Test
    void aMountWaitsForItsBackendAndServesOnceItAppears() throws Exception {
        try (TestMount mount = TestMount.mountWithoutBackend(Map.of("backend_wait", 0.5))) {
            assertEquals(MountState.WAITING_FOR_BACKEND, mount.core().state());
            IOException failure = assertThrows(IOException.class, () -> mount.io(() -> Files.size(mount.path("f"))));
            assertTrue(failure.getMessage() == null || !failure.getMessage().contains("NoSuchFile"), failure.toString());
            assertTrue(mount.core().statistics().backendTimeouts() > 0);

            mount.addBackend("test", ctx -> new MemoryFileSystem("late").file("/f", "finally"));
            assertEquals(MountState.SERVING, mount.core().state());
            assertEquals("finally", mount.io(() -> Files.readString(mount.path("f"))));
        }
    }
}
