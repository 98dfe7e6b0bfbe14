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
 * <p>A session keeps its own table open ({@link #keep}, when it mounts, until {@link #close} after its unmount)
 * and reads it again from offset 0 with {@code pread} each time (a seq_file lists the table as it is at the
 * read): the unmount path, which must tell whether a mount is gone, then needs no new descriptor, and works when
 * the process's table is full. Nothing is kept beyond the session, so no descriptor outlives the bundle. Code
 * that reads the table now and then uses {@link #fresh}, which opens the file at each read.
 */
final class MountTable implements AutoCloseable {
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
    private static final int CHUNK = 64 * 1024;

    /**
     * The kept descriptor, -1 for none (not kept, could not be opened, or closed): then each read opens the file.
     * Guarded by {@code this}: a read never goes to a number closed (and maybe reused) meanwhile.
     */
    private int fd;

    private MountTable(int fd) {
        this.fd = fd;
    }

    /** A table whose file stays open until {@link #close}; if it cannot be opened now, each read opens it. */
    static MountTable keep() {
        try {
            return new MountTable(Posix.openat(AT_FDCWD, MOUNTINFO.toString(), O_RDONLY | O_CLOEXEC, 0));
        } catch (PosixException e) {
            return fresh();
        }
    }

    /** A table that opens the file at each read and keeps nothing. */
    static MountTable fresh() {
        return new MountTable(-1);
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

    List<Mount> read() throws IOException {
        List<Mount> mounts = new ArrayList<>();
        for (String line : lines()) {
            Mount mount = parse(line);
            if (mount != null) {
                mounts.add(mount);
            }
        }
        return mounts;
    }

    private synchronized List<String> lines() throws IOException {
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

    /** Closes the kept descriptor; later reads open the file. */
    @Override
    public synchronized void close() {
        Posix.closeQuietly(fd);
        fd = -1;
    }

    /** The topmost mount at {@code mountPoint} (the last one listed there), if any. */
    Optional<Mount> top(Path mountPoint) throws IOException {
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
    boolean isMounted(Path mountPoint, long device) throws IOException {
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
