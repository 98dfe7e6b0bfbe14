package fuse.channel.internal;

/**
 * The kernel's page size: the unit of the protocol's {@code max_pages} and the alignment of the buffers the kernel
 * copies requests into. Asked once, not assumed: 4 KiB on x86-64, but arm64 kernels run with 16 or 64 KiB pages,
 * where a buffer of {@code max_pages * 4096} bytes would be too small for the replies the kernel accepts.
 */
final class KernelPage {
    static final int SIZE = LinuxCalls.getpagesize();

    private KernelPage() {
    }

    /** {@code bytes} rounded up to a whole number of pages. */
    static int roundUp(int bytes) {
        return (bytes + SIZE - 1) & -SIZE;
    }
}
