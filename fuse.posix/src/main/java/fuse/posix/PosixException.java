package fuse.posix;

import fuse.api.Errno;
import fuse.api.FuseException;

/**
 * A system call failed. Carries the {@link Errno} (so a backend can let it propagate as the FUSE reply), the
 * call's name and, where there is one, the object it was about (a path, an fd).
 */
public class PosixException extends FuseException {
    private static final long serialVersionUID = 1L;

    private final String call;

    public PosixException(Errno errno, String call, String subject) {
        super(errno, subject == null || subject.isEmpty()
                ? call + ": " + errno.name()
                : call + "(" + subject + "): " + errno.name());
        this.call = call;
    }

    /** The failed call's name, e.g. {@code openat2}. */
    public String call() {
        return call;
    }
}
