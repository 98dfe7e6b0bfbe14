package fuse.backend.local.internal;

/**
 * A watch of the host behind a local mount, telling the kernel what changed there ({@link HostWatch} by
 * fanotify, {@link InotifyWatch} where fanotify is not available). The file system calls it from its operations.
 */
interface SourceWatch extends AutoCloseable {
    /** Whether every change behind the mount is still reported (the mount may cache for long). */
    boolean watching();

    /** How it watches, or why it no longer does: for the log and {@code fuse:mounts}. */
    String description();

    /** Called by every file system operation on its thread: changes that thread makes are the mount's own. */
    void serverThread();

    /** The kernel is about to know names or a listing of {@code dir}: a watch that needs to be told, is. */
    default void directoryUsed(LocalNode dir) {
    }

    /** The mount no longer holds {@code node}. */
    default void forgotten(LocalNode node) {
    }

    @Override
    void close();
}
