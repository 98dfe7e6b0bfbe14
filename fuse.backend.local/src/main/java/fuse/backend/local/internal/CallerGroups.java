package fuse.backend.local.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A caller's supplementary groups, which FUSE requests do not carry: read from {@code /proc/<pid>/status}, where
 * {@code pid} is the calling thread's id as the request names it. That thread is blocked in its system call until
 * we answer (the kernel waits for a request it has handed to the server even when the caller is killed), so the
 * id cannot be reused meanwhile and the line describes that very thread's credentials.
 *
 * <p>Without them a create as the caller would be checked by the host with the server's groups: a member of a
 * directory's group could not create in it through the mount although the kernel allowed it.
 */
final class CallerGroups {
    private static final int[] NONE = new int[0];
    private static final String GROUPS = "Groups:";

    private CallerGroups() {
    }

    /**
     * The groups of thread {@code pid}, or none when it is not visible to this server (pid 0: another pid
     * namespace) or gone; never the server's own groups.
     */
    static int[] of(int pid) {
        if (pid <= 0) {
            return NONE;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"))) {
                if (line.startsWith(GROUPS)) {
                    return parse(line.substring(GROUPS.length()));
                }
            }
            return NONE;
        } catch (IOException | NumberFormatException e) {
            return NONE; // gone (NoSuchFileException) or unreadable: no groups rather than the server's
        }
    }

    /** The whitespace-separated numbers of a {@code Groups:} line. */
    static int[] parse(String numbers) {
        String trimmed = numbers.trim();
        if (trimmed.isEmpty()) {
            return NONE;
        }
        return Arrays.stream(trimmed.split("\\s+")).mapToInt(Integer::parseUnsignedInt).toArray();
    }
}
