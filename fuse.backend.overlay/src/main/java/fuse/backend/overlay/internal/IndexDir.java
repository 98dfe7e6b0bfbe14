package fuse.backend.overlay.internal;

import static fuse.posix.Linux.*;

import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.posix.FileStat;
import fuse.posix.HostHandle;
import fuse.posix.Posix;
import fuse.posix.PosixException;

/**
 * {@code workdir/index} as kernel overlayfs keeps it with {@code index=on}: one entry per lower hard link it
 * copied up, a hard link of the upper copy, named by the hex of the lower file's handle ({@code struct ovl_fb}:
 * version, magic 0xfb, length, flags, handle type, file system uuid, then the handle). With {@code index=on} a
 * lower hard link whose entry exists is that copy under each of its names (the kernel's
 * {@code ovl_lookup_index}). Read once when the overlay opens; this overlay never adds entries.
 */
final class IndexDir implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IndexDir.class);
    static final String NAME = "index";
    /** {@code struct ovl_fb} before the handle: version, magic, len, flags, type, uuid[16]. */
    private static final int FB_HEADER = 5 + 16;
    private static final byte FB_MAGIC = (byte) 0xfb;

    private final int fd;
    /** Handle type and handle bytes, in hex, to the entry's name. */
    private final Map<String, String> entries;

    private IndexDir(int fd, Map<String, String> entries) {
        this.fd = fd;
        this.entries = entries;
    }

    /** The index of the work directory {@code workdirFd}; {@code null} when it has none (never indexed). */
    static IndexDir open(int workdirFd) throws FuseException {
        int fd;
        try {
            fd = Posix.openat(workdirFd, NAME, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        } catch (PosixException e) {
            if (e.errno() == Errno.ENOENT) {
                return null;
            }
            throw new FuseException(e.errno(), Settings.WORKDIR + ": cannot open its index: " + e.getMessage(), e);
        }
        try {
            Map<String, String> entries = new HashMap<>();
            for (Dirs.RawEntry entry : Dirs.list(fd)) {
                String key = keyOfName(entry.name());
                if (key != null && (entry.type() == DT_REG || entry.type() == DT_UNKNOWN)) {
                    entries.put(key, entry.name());
                }
            }
            LOG.info("overlay index {}: {} entries", Posix.procFdPath(fd), entries.size());
            return new IndexDir(fd, entries);
        } catch (FuseException | RuntimeException e) {
            Posix.closeQuietly(fd);
            throw e;
        }
    }

    /** The key of an index entry's name, or {@code null} for a name that is no {@code ovl_fb} (a leftover). */
    static String keyOfName(String name) {
        byte[] fb;
        try {
            fb = HexFormat.of().parseHex(name);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (fb.length <= FB_HEADER || fb[1] != FB_MAGIC || (fb[2] & 0xff) != fb.length) {
            return null;
        }
        return key(fb[4], fb, FB_HEADER);
    }

    private static String key(byte type, byte[] bytes, int handleStart) {
        return HexFormat.of().toHexDigits(type) + HexFormat.of().formatHex(bytes, handleStart, bytes.length);
    }

    /** The upper copy indexed for the lower file {@code lower}, opened {@code O_PATH}; {@code null} when none. */
    RealFile find(RealFile lower) throws FuseException {
        if (entries.isEmpty()) {
            return null;
        }
        HostHandle handle;
        try {
            handle = Posix.nameToHandleAt(lower.fd(), "", AT_EMPTY_PATH);
        } catch (PosixException e) {
            return null; // no handles on that file system: the kernel cannot index it either
        }
        byte[] bytes = handle.bytes();
        String name = entries.get(key(bytes[4], bytes, HostHandle.HEADER_BYTES));
        if (name == null) {
            return null;
        }
        int copy;
        try {
            copy = Posix.openat(fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
        } catch (PosixException e) {
            if (e.errno() == Errno.ENOENT) {
                return null;
            }
            throw e;
        }
        FileStat stat = Posix.fstat(copy);
        if (!stat.attributes().isRegularFile()) {
            Posix.closeQuietly(copy);
            return null; // a whiteout entry (nfs_export): not a copy
        }
        return new RealFile(RealFile.UPPER, copy, stat);
    }

    @Override
    public void close() {
        Posix.closeQuietly(fd);
    }
}
