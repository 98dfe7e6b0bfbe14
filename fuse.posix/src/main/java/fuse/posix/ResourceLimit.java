package fuse.posix;

/**
 * A resource limit ({@code struct rlimit}): {@code soft} is the one enforced, {@code hard} the most the soft one
 * may be raised to without privilege. {@link #UNLIMITED} is {@code RLIM_INFINITY}.
 */
public record ResourceLimit(long soft, long hard) {
    public static final long UNLIMITED = -1L;

    /** This limit with its soft value raised to the hard one. */
    public ResourceLimit raised() {
        return new ResourceLimit(hard, hard);
    }
}
