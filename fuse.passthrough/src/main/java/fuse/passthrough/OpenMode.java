package fuse.passthrough;

/** How the kernel runs one open file, as decided by {@link PassthroughManager#open}. */
public enum OpenMode {
    /** {@code FOPEN_PASSTHROUGH}: reads, writes and mmap go straight to the backing file. */
    PASSTHROUGH(true, false),
    /**
     * {@code FOPEN_PASSTHROUGH|FOPEN_DIRECT_IO}: reads and writes come to the backend's handle, mmap goes to the
     * inode's backing file. Used for a Java-served open of an inode that is in passthrough mode.
     */
    PASSTHROUGH_SERVED(true, true),
    /** No passthrough, page cache: reads and writes that miss the cache come to the backend's handle. */
    CACHED(false, true),
    /** {@code FOPEN_DIRECT_IO} without passthrough: every read and write comes to the backend's handle. */
    DIRECT(false, true);

    private final boolean usesBacking;
    private final boolean javaServed;

    OpenMode(boolean usesBacking, boolean javaServed) {
        this.usesBacking = usesBacking;
        this.javaServed = javaServed;
    }

    /** Whether the open carries the inode's backing id (the kernel counts it as a passthrough-mode open). */
    public boolean usesBacking() {
        return usesBacking;
    }

    /** Whether reads and writes reach the backend's handle. */
    public boolean javaServed() {
        return javaServed;
    }
}
