package fuse.channel.internal;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.BooleanSupplier;

import fuse.api.Errno;
import fuse.channel.BackingException;
import fuse.channel.BackingFiles;
import fuse.channel.kernel.FuseBackingMap;
import fuse.channel.kernel.FuseKernel;

/** {@code FUSE_DEV_IOC_BACKING_OPEN}/{@code _CLOSE} on the session's descriptor. */
final class DeviceBackingFiles implements BackingFiles {
    private final SessionDevice device;
    private final BooleanSupplier passthroughNegotiated;

    DeviceBackingFiles(SessionDevice device, BooleanSupplier passthroughNegotiated) {
        this.device = device;
        this.passthroughNegotiated = passthroughNegotiated;
    }

    @Override
    public int open(int fd) throws BackingException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment map = arena.allocate(FuseBackingMap.LAYOUT);
            FuseBackingMap.FD.set(map, 0L, fd);
            FuseBackingMap.FLAGS.set(map, 0L, 0);
            FuseBackingMap.PADDING.set(map, 0L, 0L);
            long rc = device.ioctl(FuseKernel.DEV_IOC_BACKING_OPEN, map);
            if (rc < 0) {
                throw BackingException.of(Errno.of((int) -rc), passthroughNegotiated.getAsBoolean(), "fd " + fd);
            }
            return (int) rc;
        }
    }

    @Override
    public void close(int backingId) throws BackingException {
        if (backingId <= 0) {
            // The kernel answers EINVAL; ids start at 1, so this is "no such id", not a bad argument of ours.
            throw new BackingException.UnknownId(Errno.EINVAL, "backing id " + backingId);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment id = arena.allocate(JAVA_INT);
            id.set(JAVA_INT, 0, backingId);
            long rc = device.ioctl(FuseKernel.DEV_IOC_BACKING_CLOSE, id);
            if (rc < 0) {
                throw BackingException.of(Errno.of((int) -rc), passthroughNegotiated.getAsBoolean(),
                        "backing id " + backingId);
            }
        }
    }
}
