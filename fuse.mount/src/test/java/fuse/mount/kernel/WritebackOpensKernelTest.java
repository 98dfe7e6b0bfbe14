package fuse.mount.kernel;

import static fuse.posix.Linux.O_ACCMODE;
import static fuse.posix.Linux.O_APPEND;
import static fuse.posix.Linux.O_RDWR;
import static fuse.posix.Linux.O_WRONLY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import fuse.api.Caller;
import fuse.api.Errno;
import fuse.api.FileSystemBackend;
import fuse.api.FuseException;
import fuse.api.Node;
import fuse.api.Opened;
import fuse.mount.testing.MemoryFileSystem;
import fuse.mount.testing.TestMount;

/**
 * The open flags a backend gets on a mount with the writeback cache: write-only opens become read-write (the
 * kernel reads pages through them), {@code O_APPEND} goes (the kernel places appends), a backend that refuses
 * reading still opens write-only, and a file that moves to another backend in a swap is opened there the same way.
 * A mount without the writeback cache passes the flags unchanged.
 */
@Timeout(120)
class WritebackOpensKernelTest {
    private static final Map<String, Object> WRITEBACK = Map.of("passthrough", false, "writeback_cache", true);

    /** Records the access mode and O_APPEND of every open; refuses read-write opens when told to. */
    private static final class Recording extends MemoryFileSystem {
        final List<String> opens = new CopyOnWriteArrayList<>();
        private final boolean refuseReading;

        Recording(String name, boolean refuseReading) {
            super(name);
            this.refuseReading = refuseReading;
            file("/f", "0123456789");
        }

        @Override
        public synchronized Opened open(Caller caller, Node node, int flags) throws FuseException {
            String mode = switch (flags & O_ACCMODE) {
                case O_WRONLY -> "wronly";
                case O_RDWR -> "rdwr";
                default -> "rdonly";
            };
            opens.add(mode + ((flags & O_APPEND) != 0 ? "+append" : ""));
            if (refuseReading && (flags & O_ACCMODE) == O_RDWR) {
                throw new FuseException(Errno.EACCES, "write-only for this caller");
            }
            return super.open(caller, node, flags);
        }
    }

    private static void append(TestMount mount, String text) throws Exception {
        mount.io(() -> {
            try (FileChannel out = FileChannel.open(mount.path("f"), StandardOpenOption.APPEND)) {
                out.write(ByteBuffer.wrap(text.getBytes()));
            }
            return null;
        });
    }

    @Test
    void writeOnlyAppendsOpenReadWriteWithoutAppend() throws Exception {
        Recording fs = new Recording("wb", false);
        try (TestMount mount = TestMount.mount(fs, WRITEBACK)) {
            append(mount, "ab");
            assertEquals(List.of("rdwr"), fs.opens);
            assertEquals("0123456789ab", fs.content("/f"));
        }
    }

    @Test
    void aBackendThatRefusesReadingStillOpensWriteOnly() throws Exception {
        Recording fs = new Recording("wb", true);
        try (TestMount mount = TestMount.mount(fs, WRITEBACK)) {
            mount.io(() -> {
                // A whole page from offset 0: the kernel needs no read to write it.
                try (FileChannel out = FileChannel.open(mount.path("f"), StandardOpenOption.WRITE)) {
                    out.write(ByteBuffer.wrap("z".repeat(4096).getBytes()), 0);
                }
                return null;
            });
            assertEquals(List.of("rdwr", "wronly"), fs.opens);
            assertEquals("z".repeat(4096), fs.content("/f"));
        }
    }

    @Test
    void aFileThatMovesToAnotherBackendIsOpenedThereTheSameWay() throws Exception {
        Recording old = new Recording("old", false);
        Recording next = new Recording("new", false);
        FileSystemBackend departing = context -> old;
        try (TestMount mount = TestMount.mount(departing, WRITEBACK)) {
            mount.io(() -> {
                try (FileChannel out = FileChannel.open(mount.path("f"), StandardOpenOption.APPEND)) {
                    out.write(ByteBuffer.wrap("ab".getBytes()));
                    out.force(true);
                    mount.addBackend("test", context -> next);
                    mount.removeBackend(departing); // the open file moves to "new" on its next request
                    out.write(ByteBuffer.wrap("cd".getBytes()));
                }
                return null;
            });
            assertEquals(List.of("rdwr"), next.opens, "opened again as the writeback cache needs");
            assertEquals(1, mount.core().statistics().movedFiles());
            String content = next.content("/f");
            assertTrue(content.startsWith("0123456789") && content.endsWith("cd") && content.length() == 14,
                    "the append went to the end: " + content);
        }
    }

    @Test
    void withoutTheWritebackCacheTheFlagsPassUnchanged() throws Exception {
        Recording fs = new Recording("plain", false);
        try (TestMount mount = TestMount.mount(fs, Map.of("passthrough", false))) {
            append(mount, "ab");
            assertEquals(List.of("wronly+append"), fs.opens);
        }
    }
}
