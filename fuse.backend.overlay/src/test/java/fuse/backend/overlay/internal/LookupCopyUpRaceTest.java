package fuse.backend.overlay.internal;

import static fuse.backend.overlay.internal.Fixture.*;
import static fuse.posix.Linux.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import fuse.api.Entry;
import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.api.Node;
import fuse.api.Opened;
import fuse.testkit.TestCaller;

/**
 * A lookup that resolves a name just before a concurrent copy-up of the object there, with the interleaving forced
 * (the copy-up runs in {@link Namespace#afterResolve}, between the lookup's resolution and its interning). The
 * lookup must answer the object as it is after the copy-up, never a second node on the lower file: that one would
 * copy up again into an unlinked file (the name is taken) and lose every write made through it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LookupCopyUpRaceTest {
    private static final TestCaller ROOT = TestCaller.root();
    private static final String LOWER_CONTENT = "only in lower2";

    @RegisterExtension
    final Fixture fx = new Fixture();
    private OverlayFileSystem fs;
    private SpiOps ops;

    @BeforeEach
    void setUp() throws Exception {
        file(fx.lower2, "deep.txt", LOWER_CONTENT);
        file(fx.lower1, "top.txt", "top from lower1");
        file(fx.lower1, "sub/dir/file", "deep file");
        fs = fx.open();
        ops = new SpiOps(fs);
    }

    @FunctionalInterface
    private interface Race {
        void run() throws Exception;
    }

    /** Runs {@code race} once, inside the first lookup of {@code name}, right after that lookup resolved it. */
    private void whenResolved(String name, Race race) {
        AtomicBoolean ran = new AtomicBoolean();
        fs.afterLookupResolve(n -> {
            if (n.equals(name) && ran.compareAndSet(false, true)) {
                try {
                    race.run();
                } catch (Exception e) {
                    throw new AssertionError("the racing operation failed", e);
                }
            }
        });
    }

    private Path up(String path) {
        return fx.upper.resolve(path);
    }

    /** open(O_WRONLY), pwrite, close through {@code node}, as the kernel does with a node it looked up. */
    private void writeThrough(Node node, long offset, String data) throws FuseException {
        Opened opened = fs.open(ROOT, node, O_WRONLY);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocateFrom(data, StandardCharsets.UTF_8);
            fs.write(ROOT, opened.handle(), offset, buffer.asSlice(0, data.length()), false);
        } finally {
            fs.release(opened.handle());
        }
    }

    /**
     * Every change that copies a file up, made (and its nodes forgotten) between a lookup's resolution and its
     * interning: the node the lookup answers is the copied object, and a write through it lands in the upper file.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"write", "chmod", "truncate", "setxattr", "link"})
    void aLookupThatResolvedTheLowerFileBeforeAFinishedCopyUpAnswersTheCopy(String change) throws Exception {
        whenResolved("deep.txt", () -> assertNull(switch (change) {
            case "write" -> ops.write("deep.txt", LOWER_CONTENT.length(), "A".getBytes(), false, false, 0);
            case "chmod" -> ops.chmod("deep.txt", 0640);
            case "truncate" -> ops.truncate("deep.txt", LOWER_CONTENT.length());
            case "setxattr" -> ops.setxattr("deep.txt", "user.race", "y".getBytes());
            case "link" -> ops.link("deep.txt", "deep-link");
            default -> throw new IllegalArgumentException(change);
        }));
        Entry entry = fs.lookup(ROOT, fs.root(), "deep.txt");
        fs.afterLookupResolve(null);
        try {
            assertTrue(Files.exists(up("deep.txt")), "the racing " + change + " copied the file up");
            long copied = Files.size(up("deep.txt"));
            assertEquals(copied, entry.attributes().size(), "the lookup shows the upper file");
            writeThrough(entry.node(), 20, "B");
        } finally {
            fs.release(entry.node());
        }
        byte[] content = Files.readAllBytes(up("deep.txt"));
        assertEquals(21, content.length, "the write through the looked-up node landed in the upper file");
        assertEquals('B', content[20]);
        assertTrue(new String(content, StandardCharsets.UTF_8).startsWith(LOWER_CONTENT));
        if (change.equals("write")) {
            assertEquals('A', content[LOWER_CONTENT.length()], "the racing write stays");
        }
        if (change.equals("link")) {
            assertArrayEquals(content, Files.readAllBytes(up("deep-link")), "one upper file for both links");
        }
        assertEquals(LOWER_CONTENT, Files.readString(fx.lower2.resolve("deep.txt")));
        assertEquals(List.of(), workLeftovers(fx.work));
    }

    /**
     * The same for a lower directory: a write below it copies it up meanwhile; the lookup must answer the copied
     * directory, or the next copy-up below it goes into a directory already discarded from the work directory.
     */
    @Test
    void aLookupThatResolvedALowerDirectoryBeforeItsCopyUpAnswersTheCopiedDirectory() throws Exception {
        whenResolved("sub", () -> assertNull(ops.write("sub/dir/file", 9, "A".getBytes(), false, false, 0)));
        assertNull(ops.write("sub/dir/file", 10, "B".getBytes(), false, false, 0));
        fs.afterLookupResolve(null);
        assertEquals("deep fileAB", Files.readString(up("sub/dir/file")));
        assertEquals(List.of(), workLeftovers(fx.work));
    }

    /** A lookup overtaken by a rename of its name answers as after the rename, not with the moved lower file. */
    @Test
    void aLookupThatResolvedANameBeforeARenameMovedItAnswersAsAfterTheRename() throws Exception {
        whenResolved("top.txt", () -> assertNull(ops.rename("top.txt", "moved.txt", 0)));
        assertEquals(Errno.ENOENT,
                assertThrows(FuseException.class, () -> fs.lookup(ROOT, fs.root(), "top.txt")).errno());
        fs.afterLookupResolve(null);
        assertTrue(isWhiteout(up("top.txt")));
        assertEquals("top from lower1", Files.readString(up("moved.txt")));
    }

    /** While the node that copied the object up is still held, the lookup answers that very node. */
    @Test
    void aLookupThatResolvedTheLowerFileBeforeACopyUpStillHeldAnswersThatNode() throws Exception {
        Entry[] held = new Entry[1];
        whenResolved("deep.txt", () -> {
            held[0] = fs.lookup(ROOT, fs.root(), "deep.txt");
            writeThrough(held[0].node(), LOWER_CONTENT.length(), "A");
        });
        Entry entry = fs.lookup(ROOT, fs.root(), "deep.txt");
        fs.afterLookupResolve(null);
        try {
            assertSame(held[0].node(), entry.node(), "one node for one object");
            writeThrough(entry.node(), 20, "B");
        } finally {
            fs.release(entry.node()); // the same node as held[0]'s: every entry it was handed goes
        }
        byte[] content = Files.readAllBytes(up("deep.txt"));
        assertEquals(21, content.length);
        assertEquals('A', content[LOWER_CONTENT.length()]);
        assertEquals('B', content[20]);
    }
}
