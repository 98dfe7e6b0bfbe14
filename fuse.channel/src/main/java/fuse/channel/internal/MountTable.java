package fuse.channel.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The calling process's mounts, from {@code /proc/self/mountinfo}. Read instead of {@code stat(2)} wherever a
 * FUSE mount may be dead or stuck: reading this file never waits for a FUSE server.
 */
final class MountTable {
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    /** One line of mountinfo. */
    record Mount(int id, int major, int minor, String mountPoint, String fsType, String source) {
        /**
         * The kernel's {@code dev_t} of the mount's super block ({@code major << 20 | minor}): for a FUSE mount,
         * the name of its directory under {@code /sys/fs/fuse/connections}.
         */
        long device() {
            return ((long) major << 20) | minor;
        }

        boolean isFuse() {
            return fsType.equals("fuse") || fsType.startsWith("fuse.") || fsType.equals("fuseblk")
                    || fsType.startsWith("fuseblk.");
        }
    }

    private MountTable() {
    }

    static List<Mount> read() throws IOException {
        List<Mount> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(MOUNTINFO)) {
            Mount mount = parse(line);
            if (mount != null) {
                mounts.add(mount);
            }
        }
        return mounts;
    }

    /** The topmost mount at {@code mountPoint} (the last one listed there), if any. */
    static Optional<Mount> top(Path mountPoint) throws IOException {
        String wanted = mountPoint.toString();
        Mount found = null;
        for (Mount mount : read()) {
            if (mount.mountPoint().equals(wanted)) {
                found = mount;
            }
        }
        return Optional.ofNullable(found);
    }

    /** Whether a mount of {@code device} is still at {@code mountPoint}. */
    static boolean isMounted(Path mountPoint, long device) throws IOException {
        String wanted = mountPoint.toString();
        for (Mount mount : read()) {
            if (mount.mountPoint().equals(wanted) && mount.device() == device) {
                return true;
            }
        }
        return false;
    }

    /**
     * Parses "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw": id, parent, major:minor, root,
     * mount point, options, optional fields up to "-", then type, source, super options.
     */
    static Mount parse(String line) {
        String[] fields = line.split(" ");
        int separator = -1;
        for (int i = 6; i < fields.length; i++) {
            if (fields[i].equals("-")) {
                separator = i;
                break;
            }
        }
        if (fields.length < 7 || separator < 0 || separator + 2 >= fields.length) {
            return null;
        }
        String[] device = fields[2].split(":");
        if (device.length != 2) {
            return null;
        }
        try {
            return new Mount(Integer.parseInt(fields[0]), Integer.parseInt(device[0]), Integer.parseInt(device[1]),
                    unescape(fields[4]), unescape(fields[separator + 1]), unescape(fields[separator + 2]));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The kernel escapes space, tab, newline and backslash as {@code \ooo}. */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '7') {
                return false;
            }
        }
        return true;
    }
}
