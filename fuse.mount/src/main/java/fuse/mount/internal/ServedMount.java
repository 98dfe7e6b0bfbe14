package fuse.mount.internal;

import fuse.passthrough.PassthroughManager;

/**
 * What request handling needs from its mount: the negotiated and configured rules a reply follows, the
 * open-file limit, and the background thread. The mount's lifecycle and backend binding stay behind it.
 */
interface ServedMount {
    /** Names the mount in log lines. */
    String label();

    /** The umask to hand the backend: the kernel already applied it unless DONT_MASK is in force. */
    int effectiveUmask(int umask);

    /** Whether the kernel runs this mount with the writeback cache (negotiated at INIT). */
    boolean writebackCache();

    /**
     * Whether OPENDIR is answered ENOSYS, so that the kernel opens directories itself and keeps their listings
     * ({@link UnopenedListings}): while the backend reports changes behind the mount, on a kernel that offers it.
     */
    boolean opensDirectoriesItself();

    long entryTimeoutNanos();

    long attrTimeoutNanos();

    long negativeTimeoutNanos();

    /** The passthrough manager, set up at INIT; an OPEN before it is a bug. */
    PassthroughManager passthroughManager();

    /** The open files this mount may hold now. */
    int maxOpenFiles();

    /** Logs a refused open (EMFILE for its caller), rate-limited. */
    void openFilesExhausted(int uid, int limit);

    /** Runs a reply-less task (a BATCH_FORGET) on the mount's background thread, dropped once it is closed. */
    void inBackground(Runnable task);
}
