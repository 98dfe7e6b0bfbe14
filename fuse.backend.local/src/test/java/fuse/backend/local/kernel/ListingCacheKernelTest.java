package fuse.backend.local.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import fuse.mount.MountStatistics;
import fuse.posix.FileNames;
import fuse.posix.Linux;
import fuse.posix.Posix;
import fuse.mount.testing.TestMount;
import fuse.testkit.Wait;

/**
 * Directory listings through a mount of the local backend are cached by the kernel (FOPEN_CACHE_DIR, kept across
 * opens with FOPEN_KEEP_CACHE): a listing read once is served again without READDIR requests, until the directory
 * changes, on the host or through the mount; then the listing shows the change. With {@code coherence=watch} the
 * kernel opens directories itself (no OPENDIR, no RELEASEDIR) and the watch drops a listing changed on the host,
 * so it shows within a bound; with {@code coherence=timeout} each open compares the directory's change stamp, so
 * the next listing shows it.
 */
@Timeout(120)
class ListingCacheKernelTest {
    private static final int ENTRIES = 3_000;

    @TempDir
    Path base;

    @ParameterizedTest(name = "coherence={0}")
    @ValueSource(strings = {"watch", "timeout"})
    void aListingIsServedByTheKernelUntilTheDirectoryChanges(String coherence) throws Exception {
        Path root = Files.createDirectory(base.resolve("root"));
        Path host = Files.createDirectory(root.resolve("d"));
        Set<String> expected = new TreeSet<>();
        for (int i = 0; i < ENTRIES; i++) {
            Files.createFile(host.resolve("f" + i));
            expected.add("f" + i);
        }
        boolean watched = coherence.equals("watch");
        try (TestMount mount = LocalMounts.mount(root, "always", Map.of("coherence", coherence))) {
            Path d = mount.path("d");
            Listing first = list(mount, d);
            assertEquals(expected, first.names());
            assertTrue(first.reads() > 0, "the first listing is read from the backend: " + first);
            assertCachedAgain(mount, d, expected);

            Files.createFile(host.resolve("made-on-the-host"));
            expected.add("made-on-the-host");
            Listing afterHostCreate = listAfterHostChange(mount, d, expected, watched);
            assertEquals(expected, afterHostCreate.names(), "a name created on the host is listed");
            assertTrue(afterHostCreate.reads() > 0, afterHostCreate.toString());
            assertCachedAgain(mount, d, expected);

            Files.move(host.resolve("f1"), host.resolve("renamed-on-the-host"));
            Files.delete(host.resolve("f2"));
            expected.remove("f1");
            expected.remove("f2");
            expected.add("renamed-on-the-host");
            assertEquals(expected, listAfterHostChange(mount, d, expected, watched).names(),
                    "renames and removals on the host are listed");

            assertCachedAgain(mount, d, expected);
            mount.io(() -> Files.createFile(d.resolve("made-through-the-mount")));
            expected.add("made-through-the-mount");
            assertEquals(expected, list(mount, d).names(), "a change through the mount is listed at once");
            mount.io(() -> {
                Files.delete(d.resolve("f3"));
                return Files.move(d.resolve("f4"), d.resolve("renamed-through-the-mount"));
            });
            expected.remove("f3");
            expected.remove("f4");
            expected.add("renamed-through-the-mount");
            assertEquals(expected, list(mount, d).names());
            assertCachedAgain(mount, d, expected);
            MountStatistics statistics = mount.core().statistics();
            assertEquals(0, statistics.internalErrors());
            if (watched) {
                assertEquals(0, statistics.count("RELEASEDIR"), "the kernel opened the directory itself");
                assertTrue(statistics.count("OPENDIR") <= 1, "only the first OPENDIR is asked: " + statistics);
            }
        }
    }

    /**
     * The listing once it shows a host change: the next one when each open compares the directory's change stamp,
     * else (watched: the kernel opens directories itself and the watch drops the listing, after the event has
     * come) the first that shows it within two seconds.
     */
    private static Listing listAfterHostChange(TestMount mount, Path dir, Set<String> expected, boolean watched)
            throws Exception {
        if (!watched) {
            return list(mount, dir);
        }
        AtomicReference<Listing> last = new AtomicReference<>();
        List<Long> reads = new CopyOnWriteArrayList<>();
        Wait.until(Duration.ofSeconds(2), () -> "the host change listed: " + last.get() + ", READDIR(PLUS) requests "
                + "per listing " + reads + ", " + mount.core().statistics(), () -> {
                    Listing listing = list(mount, dir);
                    reads.add(listing.reads());
                    last.set(listing);
                    return listing.names().equals(expected);
                });
        return new Listing(last.get().names(), reads.stream().mapToLong(Long::longValue).sum());
    }

    /**
     * Names are bytes: entries whose names are not UTF-8 list byte for byte through the plain READDIRs that follow
     * a listing's first READDIRPLUS, where the names go from the host's listing to the reply undecoded.
     */
    @Test
    void namesThatAreNotUtf8AreListedByteForByte() throws Exception {
        Path root = Files.createDirectory(base.resolve("bytes"));
        Set<String> expected = new TreeSet<>();
        int dir = Posix.openat(Linux.AT_FDCWD, root.toString(), Linux.O_PATH | Linux.O_DIRECTORY, 0);
        try {
            for (int i = 0; i < ENTRIES; i++) {
                byte[] ascii = ("n" + i).getBytes(StandardCharsets.US_ASCII);
                byte[] name = Arrays.copyOf(ascii, ascii.length + 2);
                name[ascii.length] = (byte) (i % 2 == 0 ? 0xe9 : 0xff); // Latin-1 é; a byte UTF-8 never has
                name[ascii.length + 1] = 'x';
                String decoded = FileNames.decode(name);
                Posix.closeQuietly(Posix.openat(dir, decoded, Linux.O_CREAT | Linux.O_WRONLY | Linux.O_CLOEXEC, 0644));
                expected.add(decoded);
            }
        } finally {
            Posix.closeQuietly(dir);
        }
        try (TestMount mount = LocalMounts.mount(root, "always")) {
            long plainBefore = settled(mount).count("READDIR");
            Set<String> listed = mount.io(() -> {
                Set<String> names = new TreeSet<>();
                int fd = Posix.openat(Linux.AT_FDCWD, mount.path().toString(), Linux.O_RDONLY | Linux.O_DIRECTORY
                        | Linux.O_CLOEXEC, 0);
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment buffer = arena.allocate(32768);
                    while (Posix.readDirectory(fd, buffer, (ino, next, type, name) ->
                            name.equals(".") || name.equals("..") || names.add(name))) {
                        // next batch
                    }
                } finally {
                    Posix.closeQuietly(fd);
                }
                return names;
            });
            assertEquals(expected, listed);
            assertTrue(settled(mount).count("READDIR") > plainBefore, "plain READDIRs served part of the listing");
            assertEquals(0, mount.core().statistics().internalErrors());
        }
    }

    /**
     * The next listings are the kernel's, with no READDIR request. One of them may still be read: the kernel starts
     * a cache with the directory's modification time as it knows it then and drops it when it later learns a newer
     * one (from a LOOKUP or GETATTR of the directory), which may happen only after the listing that showed a
     * change; and another process's {@code drop_caches} (a benchmark on the same machine) drops it too.
     */
    private static void assertCachedAgain(TestMount mount, Path dir, Set<String> expected) throws Exception {
        Listing[] tries = new Listing[3];
        for (int i = 0; i < tries.length; i++) {
            tries[i] = list(mount, dir);
            assertEquals(expected, tries[i].names());
            if (tries[i].reads() == 0) {
                return;
            }
        }
        throw new AssertionError("never served by the kernel: " + Arrays.toString(tries));
    }

    /** The names of one listing and how many READDIR(PLUS) requests it took. */
    private record Listing(Set<String> names, long reads) {
        @Override
        public String toString() {
            return names.size() + " names in " + reads + " READDIR(PLUS) requests";
        }
    }

    private static Listing list(TestMount mount, Path dir) throws Exception {
        long before = reads(settled(mount));
        Set<String> names = mount.io(() -> {
            try (Stream<Path> entries = Files.list(dir)) {
                Set<String> result = new TreeSet<>();
                entries.forEach(entry -> result.add(entry.getFileName().toString()));
                return result;
            }
        });
        return new Listing(names, reads(settled(mount)) - before);
    }

    private static long reads(MountStatistics statistics) {
        return statistics.count("READDIR") + statistics.count("READDIRPLUS");
    }

    /**
     * The statistics once the last listing's requests are all counted: a request is counted just after its reply,
     * and RELEASEDIR (where the kernel asks OPENDIR) comes after the caller's last READDIR reply, so every
     * directory opened is released and the figures stand still.
     */
    private static MountStatistics settled(TestMount mount) {
        AtomicReference<MountStatistics> last = new AtomicReference<>();
        Wait.until(Duration.ofSeconds(10), "directory requests to settle", () -> {
            MountStatistics now = mount.core().statistics();
            MountStatistics previous = last.getAndSet(now);
            return previous != null && now.openFiles() == 0 && reads(previous) == reads(now);
        });
        return last.get();
    }
}
