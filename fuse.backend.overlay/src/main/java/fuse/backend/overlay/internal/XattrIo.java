package fuse.backend.overlay.internal;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import fuse.api.Errno;
import fuse.posix.Linux;
import fuse.posix.Posix;
import fuse.posix.PosixException;

/**
 * Whole extended attributes as Java values, for copy-up and overlay metadata: names as strings, values as bytes.
 * Paths are either {@code /proc/self/fd/N} of an {@code O_PATH} descriptor ({@code follow = true}: the magic link
 * reaches the descriptor's own file, a symlink itself included) or {@code /proc/self/fd/DIR/name} of a directory
 * entry ({@code follow = false}: the l* calls act on the entry, never on a symlink's target).
 */
final class XattrIo {
    private static final ThreadLocal<MemorySegment> BUFFER =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(Linux.XATTR_SIZE_MAX, 8));

    private XattrIo() {
    }

    /** The attribute names, in the file system's order; empty when the file system has no xattrs. */
    static List<String> names(String path, boolean follow) throws PosixException {
        MemorySegment buffer = BUFFER.get();
        int size;
        try {
            size = follow ? Posix.listxattr(path, buffer) : Posix.llistxattr(path, buffer);
        } catch (PosixException e) {
            if (e.errno() == Errno.EOPNOTSUPP) {
                return List.of();
            }
            throw e;
        }
        List<String> names = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < size; i++) {
            if (buffer.get(JAVA_BYTE, i) == 0) {
                if (i > start) {
                    names.add(new String(buffer.asSlice(start, i - start).toArray(JAVA_BYTE), StandardCharsets.UTF_8));
                }
                start = i + 1;
            }
        }
        return names;
    }

    /** The value, or {@code null} without such an attribute (or without xattr support). */
    static byte[] get(String path, String name, boolean follow) throws PosixException {
        MemorySegment buffer = BUFFER.get();
        int size;
        try {
            size = follow ? Posix.getxattr(path, name, buffer) : Posix.lgetxattr(path, name, buffer);
        } catch (PosixException e) {
            if (e.errno() == Errno.ENODATA || e.errno() == Errno.EOPNOTSUPP) {
                return null;
            }
            throw e;
        }
        return buffer.asSlice(0, size).toArray(JAVA_BYTE);
    }

    static void set(String path, String name, byte[] value, int flags, boolean follow) throws PosixException {
        MemorySegment buffer = BUFFER.get();
        MemorySegment.copy(value, 0, buffer, JAVA_BYTE, 0, value.length);
        MemorySegment slice = buffer.asSlice(0, value.length);
        if (follow) {
            Posix.setxattr(path, name, slice, flags);
        } else {
            Posix.lsetxattr(path, name, slice, flags);
        }
    }

    /** Removes the attribute; {@code false} when there was none. */
    static boolean remove(String path, String name, boolean follow) throws PosixException {
        try {
            if (follow) {
                Posix.removexattr(path, name);
            } else {
                Posix.lremovexattr(path, name);
            }
            return true;
        } catch (PosixException e) {
            if (e.errno() == Errno.ENODATA) {
                return false;
            }
            throw e;
        }
    }
}
