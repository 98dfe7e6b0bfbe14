package fuse.backend.audit;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import fuse.api.Handle;

/**
 * An open directory: a descriptor to list it with {@code getdents64}, positioned by the cookies the kernel hands
 * back as offsets, and a buffer for one batch of entries. Listing is serialized per handle (the descriptor's
 * position is shared state).
 */
final class DirectoryHandle implements Handle {
    private static final long BUFFER_SIZE = 32 * 1024;

    final int fd;
    final MemorySegment buffer = Arena.ofAuto().allocate(BUFFER_SIZE, 8);

    DirectoryHandle(int fd) {
        this.fd = fd;
    }
}
