package fuse.channel.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import fuse.channel.kernel.FuseInHeader;
import fuse.channel.kernel.FuseKernel;
import fuse.channel.kernel.FuseWriteIn;

/**
 * What one reader thread owns: its descriptor, its off-heap read and write buffers (allocated once, page
 * aligned), and its reply object. Nothing in here is shared with another reader. An io_uring ring entry has one
 * too, without a descriptor: its request is wherever the entry put the current one ({@link #request}).
 */
final class ReaderContext implements AutoCloseable {
    /** The largest request that is not a WRITE: SETXATTR with a 64 KiB value (XATTR_SIZE_MAX) and its name. */
    private static final int LARGEST_NON_WRITE = 64 * 1024 + FuseKernel.NAME_MAX + KernelPage.SIZE;

    private final int index;
    private final int fd;
    private final Arena arena;
    private MemorySegment in;
    private final KernelReply reply;

    ReaderContext(int index, int fd, int maxWrite, Transport transport, Arena arena) {
        this.index = index;
        this.fd = fd;
        this.arena = arena;
        this.in = arena.allocate(readBufferSize(maxWrite), KernelPage.SIZE);
        MemorySegment out = arena.allocate(writeBufferSize(maxWrite), KernelPage.SIZE);
        this.reply = new KernelReply(out, transport == null ? new DeviceTransport(fd, arena) : transport);
    }

    /** A ring entry's context: replies are encoded in {@code out} and handed to {@code transport}. */
    ReaderContext(int index, MemorySegment out, Transport transport) {
        this.index = index;
        this.fd = -1;
        this.arena = null;
        this.reply = new KernelReply(out, transport);
    }

    /** A context that replies on {@code fd} itself. */
    static ReaderContext forDevice(int index, int fd, int maxWrite) {
        return new ReaderContext(index, fd, maxWrite, null, Arena.ofShared());
    }

    /**
     * /dev/fuse refuses reads into less than {@code max(8 KiB, in_header + write_in + max_write)}; a SETXATTR can
     * be larger than a small max_write, so the buffer holds either, with 8 KiB to spare.
     */
    static int readBufferSize(int maxWrite) {
        int largest = FuseInHeader.BYTES + FuseWriteIn.BYTES + Math.max(maxWrite, LARGEST_NON_WRITE);
        return KernelPage.roundUp(largest + FuseKernel.MIN_READ_BUFFER);
    }

    /** READ and READDIR answer at most max_pages pages (≥ max_write); xattr replies at most 64 KiB. */
    static int writeBufferSize(int maxWrite) {
        return KernelPage.roundUp(Math.max(maxWrite, 64 * 1024)) + KernelPage.SIZE;
    }

    int index() {
        return index;
    }

    int fd() {
        return fd;
    }

    MemorySegment in() {
        return in;
    }

    /** The ring entry's current request, as one {@code /dev/fuse} message. */
    void request(MemorySegment request) {
        in = request;
    }

    KernelReply reply() {
        return reply;
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
    }
}
