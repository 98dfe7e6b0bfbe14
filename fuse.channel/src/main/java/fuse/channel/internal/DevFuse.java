package fuse.channel.internal;

import static fuse.posix.Linux.O_CLOEXEC;
import static fuse.posix.Linux.O_RDWR;

import java.io.IOException;

import fuse.api.Errno;
import fuse.posix.PosixException;

/** Opening {@code /dev/fuse}, with errors a user can act on. */
final class DevFuse {
    static final String PATH = "/dev/fuse";

    private DevFuse() {
    }

    static int open() throws IOException {
        try {
            return LinuxCalls.open(PATH, O_RDWR | O_CLOEXEC);
        } catch (PosixException e) {
            String hint = switch (e.errno()) {
                case ENOENT, ENODEV, ENXIO -> ": the fuse module is not loaded (modprobe fuse)";
                case EACCES, EPERM -> ": permission denied (mounting with mount(2) needs root)";
                default -> "";
            };
            throw new IOException("cannot open " + PATH + hint + " [" + e.errno() + "]", e);
        }
    }

    static boolean isUnmounted(Errno errno) {
        return errno == Errno.EINVAL || errno == Errno.ENOENT;
    }
}
