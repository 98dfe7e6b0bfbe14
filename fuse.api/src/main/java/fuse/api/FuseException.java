package fuse.api;

import java.util.Objects;

/**
 * The one exception type of the SPI: an operation failed with an {@link Errno}, which the mount turns into the
 * kernel reply. Any other exception escaping a backend is a bug: it is logged and answered with {@code EIO}.
 */
public class FuseException extends Exception {
    private static final long serialVersionUID = 1L;

    private final Errno errno;

    public FuseException(Errno errno) {
        this(errno, errno.name());
    }

    public FuseException(Errno errno, String message) {
        super(message);
        this.errno = Objects.requireNonNull(errno, "errno");
    }

    public FuseException(Errno errno, String message, Throwable cause) {
        super(message, cause);
        this.errno = Objects.requireNonNull(errno, "errno");
    }

    public Errno errno() {
        return errno;
    }

    /** Cheap to throw: ENOENT on lookup is a normal answer, not an incident worth a stack trace. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
