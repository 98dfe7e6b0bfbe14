package fuse.backend.overlay.internal;

import static fuse.posix.Linux.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import fuse.api.Errno;
import fuse.posix.Posix;
import fuse.posix.PosixException;

/** Listing and removing real directories of the layers. */
final class Dirs {
    private static final int DIRENT_BUFFER = 32 * 1024;
    private static final ThreadLocal<MemorySegment> BUFFERS =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(DIRENT_BUFFER, 8));

    /** One {@code getdents64} record: {@code type} is a {@code DT_*} value. */
    record RawEntry(String name, long inode, int type) {
    }

    private Dirs() {
    }

    /** The entries of the directory {@code dirfd} (any descriptor, {@code O_PATH} too) without "." and "..". */
    static List<RawEntry> list(int dirfd) throws PosixException {
        int fd = Posix.openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        try {
            List<RawEntry> entries = new ArrayList<>();
            MemorySegment buffer = BUFFERS.get();
            while (Posix.readDirectory(fd, buffer, (inode, next, type, name) -> {
                if (!name.equals(".") && !name.equals("..")) {
                    entries.add(new RawEntry(name, inode, type));
                }
                return true;
            })) {
                // next batch
            }
            return entries;
        } finally {
            Posix.closeQuietly(fd);
        }
    }

    /** Removes {@code name} in {@code dirfd} with everything below it; nothing when it is already gone. */
    static void removeTree(int dirfd, String name) throws PosixException {
        int type;
        try {
            type = Posix.fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW).attributes().mode() & S_IFMT;
        } catch (PosixException e) {
            if (e.errno() == Errno.ENOENT) {
                return;
            }
            throw e;
        }
        if (type != S_IFDIR) {
            Posix.unlinkat(dirfd, name, 0);
            return;
        }
        int fd = Posix.openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        try {
            for (RawEntry entry : list(fd)) {
                removeTree(fd, entry.name());
            }
        } finally {
            Posix.closeQuietly(fd);
        }
        Posix.unlinkat(dirfd, name, AT_REMOVEDIR);
    }
}
