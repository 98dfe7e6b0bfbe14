package fuse.posix;

/**
 * An owned file descriptor, for try-with-resources: {@code try (Fd fd = Fd.of(Posix.openat(…))) { … }}.
 * The wrappers themselves take plain {@code int}s, so this costs nothing where it is not used.
 */
public record Fd(int value) implements AutoCloseable {
    public Fd {
        if (value < 0) {
            throw new IllegalArgumentException("not a descriptor: " + value);
        }
    }

    public static Fd of(int value) {
        return new Fd(value);
    }

    /** Closes the descriptor; Linux releases it even when close reports an error, so this never throws. */
    @Override
    public void close() {
        Posix.closeQuietly(value);
    }
}
