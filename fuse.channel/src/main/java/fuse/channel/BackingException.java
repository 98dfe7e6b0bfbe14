package fuse.channel;

import fuse.api.Errno;

/**
 * The kernel refused a backing-file ioctl. {@link #reason()} says why in terms a user can act on; the subclasses
 * let callers catch one case.
 */
public sealed class BackingException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why the kernel refused. */
    public enum Reason {
        /** The server lacks CAP_SYS_ADMIN in the initial user namespace (EPERM). */
        NO_CAPABILITY("the server lacks CAP_SYS_ADMIN in the initial user namespace"),
        /** INIT did not enable passthrough for this connection (EPERM). */
        NOT_NEGOTIATED("passthrough was not negotiated with the kernel for this mount"),
        /** The backing file's file system is stacked too deep for max_stack_depth (ELOOP). */
        STACKING_TOO_DEEP("the backing file system is stacked too deep for max_stack_depth (try 2)"),
        /** Not a regular file, or its file system lacks read_iter/write_iter (EISDIR, EINVAL, EOPNOTSUPP). */
        UNSUPPORTED_FILE("the backing file is not a regular file the kernel can pass through"),
        /** The descriptor is not open (EBADF). */
        BAD_DESCRIPTOR("the backing descriptor is not open"),
        /** No such backing id (ENOENT, or EINVAL for id ≤ 0). */
        UNKNOWN_ID("no such backing id"),
        /** Anything else (ENOMEM, ENOSPC…). */
        OTHER("the kernel refused the backing file");

        private final String description;

        Reason(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    private final Reason reason;
    private final Errno errno;

    BackingException(Reason reason, Errno errno, String detail) {
        super(reason.description() + " (" + errno.name() + (detail == null ? "" : ", " + detail) + ")");
        this.reason = reason;
        this.errno = errno;
    }

    public Reason reason() {
        return reason;
    }

    public Errno errno() {
        return errno;
    }

    /**
     * Maps the errno of a failed ioctl to the specific exception. EINVAL is an unsupported file: BACKING_OPEN gives
     * it for a file that is neither regular nor a directory (a pipe, a device), and its other EINVAL causes cannot
     * happen here (the channel always sends flags and padding 0, and refuses ids ≤ 0 before asking the kernel).
     */
    public static BackingException of(Errno errno, boolean passthroughNegotiated, String detail) {
        return switch (errno) {
            case EPERM -> passthroughNegotiated
                    ? new NoCapability(errno, detail)
                    : new NotNegotiated(errno, detail);
            case ELOOP -> new StackingTooDeep(errno, detail);
            case EISDIR, EINVAL, EOPNOTSUPP -> new UnsupportedFile(errno, detail);
            case EBADF -> new BadDescriptor(errno, detail);
            case ENOENT -> new UnknownId(errno, detail);
            default -> new BackingException(Reason.OTHER, errno, detail);
        };
    }

    public static final class NoCapability extends BackingException {
        private static final long serialVersionUID = 1L;

        NoCapability(Errno errno, String detail) {
            super(Reason.NO_CAPABILITY, errno, detail);
        }
    }

    public static final class NotNegotiated extends BackingException {
        private static final long serialVersionUID = 1L;

        NotNegotiated(Errno errno, String detail) {
            super(Reason.NOT_NEGOTIATED, errno, detail);
        }
    }

    public static final class StackingTooDeep extends BackingException {
        private static final long serialVersionUID = 1L;

        StackingTooDeep(Errno errno, String detail) {
            super(Reason.STACKING_TOO_DEEP, errno, detail);
        }
    }

    public static final class UnsupportedFile extends BackingException {
        private static final long serialVersionUID = 1L;

        public UnsupportedFile(Errno errno, String detail) {
            super(Reason.UNSUPPORTED_FILE, errno, detail);
        }
    }

    public static final class BadDescriptor extends BackingException {
        private static final long serialVersionUID = 1L;

        BadDescriptor(Errno errno, String detail) {
            super(Reason.BAD_DESCRIPTOR, errno, detail);
        }
    }

    public static final class UnknownId extends BackingException {
        private static final long serialVersionUID = 1L;

        public UnknownId(Errno errno, String detail) {
            super(Reason.UNKNOWN_ID, errno, detail);
        }
    }
}
