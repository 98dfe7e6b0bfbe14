package fuse.api;

/** Placeholder. */
public class FuseException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int errno;
    public FuseException(int errno, String message) { super(message); this.errno = errno; }
    public int errno() { return errno; }
}
