package fuse.backend.overlay.internal;

import fuse.api.Errno;

/**
 * File operations by path relative to the root of a merged view, answering {@code null} on success or the errno:
 * one implementation runs system calls on a kernel overlay mount ({@link HostOps}), one calls the backend's SPI
 * ({@link SpiOps}), so a test can apply the same step to both and compare outcomes.
 */
interface Ops {
    /** open(O_WRONLY [| O_CREAT] [| O_TRUNC], mode), pwrite at {@code offset}, close. */
    Errno write(String path, long offset, byte[] data, boolean create, boolean truncate, int mode);

    /** open(O_RDONLY) and read: to compare what a (read-only) open sees. */
    Errno readAll(String path, byte[][] out);

    Errno truncate(String path, long size);

    Errno chmod(String path, int mode);

    Errno setxattr(String path, String name, byte[] value);

    Errno removexattr(String path, String name);

    Errno unlink(String path);

    Errno mkdir(String path, int mode);

    Errno rmdir(String path);

    Errno rename(String from, String to, int flags);

    Errno symlink(String target, String path);

    Errno link(String from, String to);

    Errno mkfifo(String path, int mode);

    Errno utimes(String path, long mtimeSeconds);
}
