package fuse.container.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The container's user namespace as its uid map ({@code /proc/self/uid_map}) describes it: the initial one maps
 * every uid to itself; one made by {@code unshare --user} maps a few, and shows every other owner as the overflow
 * uid ({@code /proc/sys/kernel/overflowuid}, 65534 unless changed).
 *
 * @param ranges the map's lines: first uid inside, first uid outside, count
 * @param overflowUid the uid unmapped owners show as
 */
record UserNamespace(List<long[]> ranges, int overflowUid) {
    private static final Path UID_MAP = Path.of("/proc/self/uid_map");
    private static final Path OVERFLOW_UID = Path.of("/proc/sys/kernel/overflowuid");
    private static final int DEFAULT_OVERFLOW_UID = 65534;
    /** The initial namespace's single line: uid 0 onwards, all 2^32 - 1 of them. */
    private static final long ALL_UIDS = 4294967295L;

    /** The namespace this process runs in (read once: a process does not change its user namespace). */
    static UserNamespace current() throws IOException {
        return Current.VALUE.orElseThrow();
    }

    /** Whether this is the initial user namespace, where every uid is what it is on the host. */
    boolean isInitial() {
        return ranges.size() == 1 && ranges.get(0)[0] == 0 && ranges.get(0)[1] == 0 && ranges.get(0)[2] == ALL_UIDS;
    }

    /** Whether a file owned by {@code uid} belongs to a user outside this namespace, one it does not map. */
    boolean isUnmapped(int uid) {
        return !isInitial() && uid == overflowUid && !maps(uid);
    }

    private boolean maps(int uid) {
        long inside = Integer.toUnsignedLong(uid);
        return ranges.stream().anyMatch(r -> inside >= r[0] && inside < r[0] + r[2]);
    }

    static UserNamespace parse(List<String> uidMap, int overflowUid) {
        List<long[]> ranges = uidMap.stream().map(String::trim).filter(line -> !line.isEmpty())
                .map(line -> line.split("\\s+")).map(f -> new long[] {Long.parseLong(f[0]), Long.parseLong(f[1]),
                    Long.parseLong(f[2])}).toList();
        return new UserNamespace(ranges, overflowUid);
    }

    /** Read at first use and kept; a failure to read is kept too, and reported on every use. */
    private static final class Current {
        static final Result VALUE = Result.read();
    }

    private record Result(UserNamespace namespace, IOException problem) {
        static Result read() {
            try {
                // Read as lines: Files.readString trusts the size procfs reports, and got "6" of "65534".
                int overflow = Files.exists(OVERFLOW_UID)
                        ? Integer.parseInt(Files.readAllLines(OVERFLOW_UID).get(0).trim()) : DEFAULT_OVERFLOW_UID;
                return new Result(parse(Files.readAllLines(UID_MAP), overflow), null);
            } catch (IOException | RuntimeException e) {
                return new Result(null, new IOException("cannot read " + UID_MAP + ": " + e.getMessage(), e));
            }
        }

        UserNamespace orElseThrow() throws IOException {
            if (problem != null) {
                throw problem;
            }
            return namespace;
        }
    }
}
