package fuse.backend.local.internal;

import java.util.concurrent.locks.ReentrantLock;

import fuse.api.Handle;
import fuse.posix.Posix;

/**
 * An open directory: a readable descriptor whose position is the {@code getdents64} cursor. Listing seeks to the
 * caller's offset (a {@code d_off} cookie) first, so the lock makes seek-and-read atomic per handle.
 */
final class DirectoryHandle implements Handle {
    final LocalNode node;
    final int fd;
    final ReentrantLock lock = new ReentrantLock();

    DirectoryHandle(LocalNode node, int fd) {
        this.node = node;
        this.fd = fd;
    }

    void close() {
        Posix.closeQuietly(fd);
    }
}
