package fuse.backend.local.internal;

import static fuse.posix.Linux.S_IFREG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import fuse.api.Caller;
import fuse.api.FuseException;
import fuse.api.Handle;
import fuse.api.Node;
import fuse.testkit.TestCaller;

/**
 * A 10,000-entry directory listed the way the kernel lists it (small replies, each resumed from the last accepted
 * entry's offset) while another thread creates and deletes entries: every entry present throughout is listed
 * exactly once.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DirectoryListingTest {
    private static final Caller ROOT = TestCaller.root(022);
    private static final int STABLE = 10_000;
    private static final int CHURN = 2_000;
    private static final int REPLY_ENTRIES = 100;

    @TempDir
    Path dir;

    private LocalFileSystem fs;
    private Node big;

    @BeforeEach
    void setUp() throws Exception {
        Path bigDir = Files.createDirectory(dir.resolve("big"));
        for (int i = 0; i < STABLE; i++) {
            Files.createFile(bigDir.resolve("stable-" + i));
        }
        for (int i = 0; i < CHURN; i++) {
            Files.createFile(bigDir.resolve("doomed-" + i));
        }
        fs = LocalFileSystem.open(Settings.parse(Map.of("root", dir.toString())));
        big = fs.lookup(ROOT, fs.root(), "big").node();
    }

    @AfterEach
    void tearDown() {
        fs.close();
    }

    private record Listed(String name, long nextOffset) {
    }

    /** One kernel-style READDIR: up to REPLY_ENTRIES entries from {@code offset}. */
    private List<Listed> reply(Handle handle, long offset) throws FuseException {
        List<Listed> entries = new ArrayList<>();
        fs.readdir(ROOT, big, handle, offset, (name, inode, type, next) -> {
            if (entries.size() == REPLY_ENTRIES) {
                return false;
            }
            assertNotEquals(0, next, "offset 0 would restart the listing");
            entries.add(new Listed(name, next));
            return true;
        });
        return entries;
    }

    private List<Listed> listAll(Handle handle, long from) throws FuseException {
        List<Listed> all = new ArrayList<>();
        long offset = from;
        for (List<Listed> chunk = reply(handle, offset); !chunk.isEmpty(); chunk = reply(handle, offset)) {
            all.addAll(chunk);
            offset = chunk.getLast().nextOffset();
        }
        return all;
    }

    @Test
    void offsetsStayValidWhileEntriesComeAndGo() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> churnFailure = new AtomicReference<>();
        Thread churn = Thread.ofPlatform().name("churn").start(() -> {
            try {
                for (int i = 0; i < CHURN && !stop.get(); i++) {
                    fs.unlink(ROOT, big, "doomed-" + i);
                    fs.release(fs.mknod(ROOT, big, "born-" + i, S_IFREG | 0644, 0).node());
                }
            } catch (Throwable t) {
                churnFailure.set(t);
            }
        });
        List<Listed> listed;
        Handle handle = fs.opendir(ROOT, big);
        try {
            listed = listAll(handle, 0);
        } finally {
            stop.set(true);
            churn.join(30_000);
            fs.releasedir(handle);
        }
        assertNull(churnFailure.get());

        Map<String, Integer> seen = new HashMap<>();
        for (Listed entry : listed) {
            seen.merge(entry.name(), 1, Integer::sum);
        }
        seen.forEach((name, count) -> assertEquals(1, count, "listed more than once: " + name));
        for (int i = 0; i < STABLE; i++) {
            assertTrue(seen.containsKey("stable-" + i), "missing stable-" + i);
        }
        assertTrue(seen.containsKey(".") && seen.containsKey(".."));
        for (String name : seen.keySet()) {
            assertTrue(name.startsWith("stable-") || name.startsWith("doomed-") || name.startsWith("born-")
                    || name.equals(".") || name.equals(".."), name);
        }
        assertEquals(1, fs.nodeCount() - 1, "only root and the directory are referenced");
    }

    @Test
    void aCookieResumesTheListingInAnotherHandle() throws Exception {
        Handle first = fs.opendir(ROOT, big);
        List<Listed> head = new ArrayList<>();
        long offset = 0;
        while (head.size() < 5_000) {
            List<Listed> chunk = reply(first, offset);
            head.addAll(chunk);
            offset = chunk.getLast().nextOffset();
        }
        fs.releasedir(first);
        for (int i = 0; i < 500; i++) {
            fs.unlink(ROOT, big, "doomed-" + i);
        }

        Handle second = fs.opendir(ROOT, big);
        List<Listed> tail = listAll(second, offset);
        fs.releasedir(second);
        Set<String> headNames = new HashSet<>();
        head.forEach(e -> headNames.add(e.name()));
        Set<String> all = new HashSet<>(headNames);
        for (Listed entry : tail) {
            assertFalse(headNames.contains(entry.name()), "repeated after resuming: " + entry.name());
            all.add(entry.name());
        }
        for (int i = 0; i < STABLE; i++) {
            assertTrue(all.contains("stable-" + i), "lost stable-" + i);
        }
    }

    @Test
    void listingWithoutAHandleUsesItsOwnDescriptor() throws Exception {
        List<Listed> entries = new ArrayList<>();
        fs.readdir(ROOT, big, null, 0, (name, inode, type, next) -> entries.add(new Listed(name, next)));
        assertEquals(STABLE + CHURN + 2, entries.size());
    }
}
