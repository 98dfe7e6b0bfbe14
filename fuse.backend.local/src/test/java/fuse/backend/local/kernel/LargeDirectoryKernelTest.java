package fuse.backend.local.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import fuse.mount.MountStatistics;
import fuse.mount.testing.TestMount;
import fuse.testkit.posix.Python;

/**
 * A directory of 10,000 entries through a mount of the local backend: created, listed as {@code ls -l} does
 * (names, types and inode numbers as on the host, every lstat consistent with the listing) and removed, by another
 * process. The same phases run natively for comparison, and the times and request counts are printed.
 */
@Timeout(120)
class LargeDirectoryKernelTest {
    private static final int ENTRIES = 10_000;
    private static final Duration PHASE = Duration.ofSeconds(60);

    @TempDir
    Path base;

    @Test
    void tenThousandEntriesAreCreatedListedAndRemoved() throws Exception {
        Path host = Files.createDirectory(base.resolve("host"));
        Path root = Files.createDirectory(base.resolve("root"));
        try (TestMount mount = LocalMounts.mount(root, "always")) {
            String nativeDir = host.resolve("big").toString();
            String mountDir = mount.path("big").toString();
            double nativeCreate = phase(mount, "create", nativeDir, Integer.toString(ENTRIES));
            double mountCreate = phase(mount, "create", mountDir, Integer.toString(ENTRIES));
            try (Stream<Path> entries = Files.list(root.resolve("big"))) {
                assertEquals(ENTRIES, entries.count(), "entries on the host");
            }

            String nativeListing = Python.run(mount, PHASE, Python.ROOT, "bigdir.py", "ls", nativeDir);
            MountStatistics before = mount.core().statistics();
            String listing = Python.run(mount, PHASE, Python.ROOT, "bigdir.py", "ls", mountDir);
            MountStatistics after = mount.core().statistics();
            List<String> lines = listing.lines().toList();
            assertEquals(ENTRIES + 1, lines.size(), "one line per entry and the time");
            Map<String, Long> inodes = new HashMap<>();
            for (String line : lines.subList(0, ENTRIES)) {
                String[] fields = line.split(" ");
                assertEquals("False", fields[2], line);
                assertEquals("1", fields[3], line);
                assertTrue(inodes.put(fields[0], Long.parseLong(fields[1])) == null, "listed twice: " + line);
            }
            try (Stream<Path> entries = Files.list(root.resolve("big"))) {
                for (Path entry : (Iterable<Path>) entries::iterator) {
                    long inode = (Long) Files.getAttribute(entry, "unix:ino", LinkOption.NOFOLLOW_LINKS);
                    assertEquals(inode, inodes.get(entry.getFileName().toString()), entry.toString());
                }
            }
            Requests ls = Requests.between(before, after);
            assertTrue(ls.readdirplus > 0, "the kernel listed with READDIRPLUS");
            // READDIRPLUS_AUTO: after a first READDIRPLUS the kernel lists plain unless the program stats entries
            // while listing, so `ls -l` costs one LOOKUP per entry, and never more.
            assertTrue(ls.lookups + ls.getattrs <= ENTRIES, "at most one request per lstat: " + ls);

            // Statting while listing (find, os.walk): READDIRPLUS all the way, the lstat calls need no request.
            MountStatistics beforeScan = mount.core().statistics();
            String scan = Python.run(mount, PHASE, Python.ROOT, "bigdir.py", "scan", mountDir);
            Requests scanned = Requests.between(beforeScan, mount.core().statistics());
            assertEquals(Integer.toString(ENTRIES), scan.lines().findFirst().orElseThrow());

            double nativeRemove = phase(mount, "remove", nativeDir);
            double mountRemove = phase(mount, "remove", mountDir);
            assertFalse(Files.exists(root.resolve("big")));

            System.out.printf("%d entries, native vs mount (policy always): create %.2f s vs %.2f s, ls -l %.2f s"
                    + " vs %.2f s (%s), lstat while listing %.2f s (%s), remove %.2f s vs %.2f s%n%s%n", ENTRIES,
                    nativeCreate, mountCreate, seconds(nativeListing), seconds(listing), ls, seconds(scan), scanned,
                    nativeRemove, mountRemove, Profile.of(mount.core().statistics()));
            assertTrue(scanned.lookups + scanned.getattrs < ENTRIES / 10, "READDIRPLUS answered the lstat calls: "
                    + scanned);
            assertEquals(0, mount.core().statistics().internalErrors());
        }
    }

    /** The directory requests between two statistics. */
    private record Requests(long readdirplus, long readdir, long lookups, long getattrs) {
        static Requests between(MountStatistics before, MountStatistics after) {
            return new Requests(delta(before, after, "READDIRPLUS"), delta(before, after, "READDIR"),
                    delta(before, after, "LOOKUP"), delta(before, after, "GETATTR"));
        }

        private static long delta(MountStatistics before, MountStatistics after, String operation) {
            return after.count(operation) - before.count(operation);
        }

        @Override
        public String toString() {
            return readdirplus + " READDIRPLUS, " + readdir + " READDIR, " + lookups + " LOOKUP, " + getattrs
                    + " GETATTR requests";
        }
    }

    private static double phase(TestMount mount, String phase, String... args) throws Exception {
        String[] all = new String[args.length + 1];
        all[0] = phase;
        System.arraycopy(args, 0, all, 1, args.length);
        return seconds(Python.run(mount, PHASE, Python.ROOT, "bigdir.py", all));
    }

    /** The time on the output's last line ("phase seconds"). */
    private static double seconds(String output) {
        List<String> lines = output.lines().toList();
        String[] last = lines.getLast().split(" ");
        return Double.parseDouble(last[1]);
    }
}
