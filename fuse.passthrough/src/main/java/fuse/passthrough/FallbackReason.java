package fuse.passthrough;

import fuse.channel.BackingException;

/** Why a backend's wish to pass a file through was served in Java instead. */
public enum FallbackReason {
    /** The server lacks CAP_SYS_ADMIN in the initial user namespace; passthrough is off for the mount. */
    NO_CAPABILITY,
    /** The kernel did not enable passthrough at INIT; passthrough is off for the mount. */
    NOT_NEGOTIATED,
    /** The backing file's file system is stacked deeper than {@code max_stack_depth}. */
    STACKING_TOO_DEEP,
    /** The backing file is not a regular file the kernel can pass through. */
    UNSUPPORTED_FILE,
    /** The backend's descriptor was not open (a backend bug). */
    BAD_DESCRIPTOR,
    /** The kernel refused for another reason (ENOMEM, ENOSPC…). */
    OTHER,
    /** The mount's configuration says {@code passthrough=false}. */
    DISABLED;

    /** The reason for a refused {@code BACKING_OPEN}. */
    public static FallbackReason of(BackingException.Reason reason) {
        return switch (reason) {
            case NO_CAPABILITY -> NO_CAPABILITY;
            case NOT_NEGOTIATED -> NOT_NEGOTIATED;
            case STACKING_TOO_DEEP -> STACKING_TOO_DEEP;
            case UNSUPPORTED_FILE -> UNSUPPORTED_FILE;
            case BAD_DESCRIPTOR -> BAD_DESCRIPTOR;
            case UNKNOWN_ID, OTHER -> OTHER;
        };
    }

    /** Whether this reason holds for every file of the mount, so that trying again is pointless. */
    public boolean disablesMount() {
        return this == NO_CAPABILITY || this == NOT_NEGOTIATED || this == DISABLED;
    }
}
