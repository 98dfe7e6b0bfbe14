package fuse.channel.internal;

import static fuse.posix.Linux.AT_FDCWD;
import static fuse.posix.Linux.O_CLOEXEC;
import static fuse.posix.Linux.O_RDONLY;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import fuse.posix.Posix;
import fuse.posix.PosixException;

/**
 * The calling process's mounts, from {@code /proc/self/mountinfo}. Read instead of {@code stat(2)} wherever a
 * FUSE mount may be dead or stuck: reading this file never waits for a FUSE server.
 *
 * <p>The file is opened once ({@link #keep}, before the first mount) and read again from offset 0 with
 * {@code pread} each time (a seq_file lists the table as it is at the read): the unmount path, which must tell
 * whether a mount is gone, then needs no new descriptor, and works when the process's table is full.
 */
final class MountTable {
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
    private static final int CHUNK = 64 * 1024;

    /** The kept descriptor, opened on first use; -1 when it could not be (then each read opens the file). */
    private static final class Kept {
        static final int FD = open();

        private static int open() {
            try {
                return Posix.openat(AT_FDCWD, MOUNTINFO.toString(), O_RDONLY | O_CLOEXEC, 0);
            } catch (PosixException e) {
                return -1;
            }
        }
    }

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

    /** Opens the kept descriptor now, while there is room for it. */
    static void keep() {
        int ignored = Kept.FD;
    }

    static List<Mount> read() throws IOException {
        List<Mount> mounts = new ArrayList<>();
        for (String line : lines()) {
            Mount mount = parse(line);
            if (mount != null) {
                mounts.add(mount);
            }
        }
        return mounts;
    }

    private static List<String> lines() throws IOException {
        int fd = Kept.FD;
        if (fd < 0) {
            return Files.readAllLines(MOUNTINFO);
        }
        ByteArrayOutputStream text = new ByteArrayOutputStream(CHUNK);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(CHUNK);
            for (long offset = 0;;) {
                long n = Posix.pread(fd, buffer, offset);
                if (n <= 0) {
                    break;
                }
                text.write(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
                offset += n;
            }
        } catch (PosixException e) {
            throw new IOException(MOUNTINFO + ": " + e.getMessage(), e);
        }
        return text.toString(StandardCharsets.UTF_8).lines().toList();
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
