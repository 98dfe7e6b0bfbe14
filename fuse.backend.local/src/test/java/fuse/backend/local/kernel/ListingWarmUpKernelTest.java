package fuse.backend.local.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import fuse.api.FileSystemBackend;
import fuse.backend.local.internal.LocalBackend;
import fuse.mount.internal.BackendRef;
import fuse.mount.internal.ListingWarmUp;
import fuse.mount.internal.MountCore;
import fuse.mount.testing.TestMount;

/**
 * The listing warm-up beside a real mount of the local backend: it lists a directory of its own (on tmpfs where
 * /dev/shm is writable), through a backend file system opened on that directory as a rehearsal and never on the
 * mount's root, leaves no file and no descriptor behind, asks the mount itself nothing, and stops when asked (as
 * when its mount stops).
 */
@Timeout(120)
class ListingWarmUpKernelTest {
    private static final Duration END = Duration.ofSeconds(60);
    private static final Path SHM = Path.of("/dev/shm");

    @TempDir
    Path base;

    /** The roots the warm-up's backend was opened on. */
    private final List<Path> warmUpRoots = new CopyOnWriteArrayList<>();
    /** Whether each of those was opened as a rehearsal. */
    private final List<Boolean> rehearsals = new CopyOnWriteArrayList<>();

    /** The local backend, recording the root of each file system it opens. */
    private final FileSystemBackend recording = context -> {
        warmUpRoots.add(Path.of(context.configuration().get("root").toString()));
        rehearsals.add(context.rehearsal());
        return new LocalBackend().open(context);
    };

    @Test
    void aWarmUpListsItsOwnDirectoryAndLeavesNothingBehind() throws Exception {
        Path root = Files.createDirectory(base.resolve("root"));
        Files.writeString(root.resolve("mine"), "the user's file");
        try (TestMount mount = LocalMounts.mount(root, "always")) {
            List<String> hostBefore = names(root);
            long nodesBefore = mount.core().statistics().nodes();
            long requestsBefore = requests(mount);
            int descriptorsBefore = descriptors();

            ListingWarmUp warmUp = ListingWarmUp.start(mount.core().config(),
                    List.of(BackendRef.of("test", recording, 1)), MountCore.byName("test"));
            assertTrue(warmUp.awaitEnd(END), "the warm-up ended");

            assertEquals(4 * (1000 + 2), warmUp.listed(), "4 listings of 1000 files, . and ..");
            assertEquals(1, warmUpRoots.size(), "one file system opened: " + warmUpRoots);
            assertEquals(List.of(true), rehearsals, "opened as a rehearsal (its backend logs it at DEBUG)");
            Path warmUpRoot = warmUpRoots.getFirst();
            if (Files.isWritable(SHM)) {
                assertEquals(SHM, warmUpRoot.getParent(), "on tmpfs, where its files cost no disk");
            }
            assertNotEquals(root, warmUpRoot);
            assertFalse(warmUpRoot.startsWith(root), "not inside the mount's root: " + warmUpRoot);
            assertFalse(Files.exists(warmUpRoot), "its directory is deleted: " + warmUpRoot);
            assertEquals(descriptorsBefore, descriptors(), "no descriptor left open");
            assertEquals(hostBefore, names(root), "the mount's root is as it was");
            assertEquals(nodesBefore, mount.core().statistics().nodes(), "the mount's node table is untouched");
            assertEquals(requestsBefore, requests(mount), "the mount answered no request for the warm-up");
        }
    }

    @Test
    void aWarmUpStopsWhenAskedAndCleansUp() throws Exception {
        Path root = Files.createDirectory(base.resolve("root"));
        try (TestMount mount = LocalMounts.mount(root, "always")) {
            int descriptorsBefore = descriptors();
            ListingWarmUp warmUp = ListingWarmUp.start(mount.core().config(),
                    List.of(BackendRef.of("test", recording, 1)), MountCore.byName("test"));
            warmUp.stop(); // what the mount's component does before it closes the mount

            assertTrue(warmUp.awaitEnd(Duration.ofMillis(1)), "stop() returned after the warm-up ended");
            assertTrue(warmUp.listed() < 4 * (1000 + 2), "it stopped before its last listing: " + warmUp.listed());
            for (Path warmUpRoot : warmUpRoots) {
                assertFalse(Files.exists(warmUpRoot), "its directory is deleted: " + warmUpRoot);
            }
            assertEquals(descriptorsBefore, descriptors(), "no descriptor left open");
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static int descriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count() - 1; // the listing's own
        }
    }

    private static long requests(TestMount mount) {
        return mount.core().statistics().operations().values().stream().mapToLong(o -> o.count()).sum();
    }
}
