package fuse.passthrough;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One open file's claim on its inode's passthrough state, from {@link PassthroughManager#open} until
 * {@link #release()} (or {@link #replied replied(false)}). Thread-safe; RELEASE may arrive on another thread
 * before the opening thread has reported the reply.
 */
@ProviderType
public interface OpenTicket {

    OpenMode mode();

    /** The {@code FOPEN_*} flags for the reply. */
    int openFlags();

    /** The backing id for the reply (&gt; 0 when {@link #openFlags()} has {@code FOPEN_PASSTHROUGH}), else 0. */
    int backingId();

    /**
     * Reports whether the kernel took the reply. {@code false} undoes the open at once: the kernel does not know
     * the file and will never release it.
     */
    void replied(boolean accepted);

    /** The kernel released the open file (RELEASE). Idempotent. */
    void release();
}
