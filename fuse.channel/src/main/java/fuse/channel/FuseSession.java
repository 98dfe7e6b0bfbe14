package fuse.channel;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A mounted FUSE connection, from {@link FuseChannel#mount} until {@link #close()}: its reader threads, its
 * negotiated state, its backing-file table and its notifications.
 */
@ProviderType
public interface FuseSession extends AutoCloseable {

    MountOptions options();

    Path mountpoint();

    /**
     * The connection id: the name of its directory under {@code /sys/fs/fuse/connections} (with {@code abort}
     * and {@code waiting}).
     */
    long connectionId();

    /** What INIT negotiated, once the kernel has sent it (mount returns before). */
    Optional<InitResult> init();

    /** Waits until INIT has been answered, at most {@code timeout}. */
    Optional<InitResult> awaitInit(Duration timeout) throws InterruptedException;

    /**
     * The transport in use: {@link ChannelTransport#URING} or {@link ChannelTransport#DEVICE} (never
     * {@code AUTO}: before INIT, the one the session will ask the kernel for).
     */
    default ChannelTransport transport() {
        return ChannelTransport.DEVICE;
    }

    BackingFiles backingFiles();

    Notifier notifier();

    /** {@code true} until the session ended (unmounted, aborted, destroyed, or closed). */
    boolean isAlive();

    /**
     * Whether the connection is still in the mount table at its mountpoint (read without a new descriptor, so the
     * answer holds when the process's descriptor table is full): after {@link #close()}, {@code false} means the
     * unmount really happened. {@code true} when the table cannot be read.
     */
    default boolean isMounted() {
        return isAlive();
    }

    /** Requests answered so far, per reader thread (index = thread). For statistics and tests. */
    long[] requestsPerThread();

    /**
     * Waits for the session to end by itself (e.g. {@code umount} from outside) and its reader threads to exit;
     * {@code false} on timeout.
     */
    boolean awaitTermination(Duration timeout) throws InterruptedException;

    /**
     * Unmounts (lazily if busy), lets the reader threads finish the requests they hold, aborts the connection if
     * they do not within a few seconds, joins them and closes every descriptor. Idempotent.
     */
    @Override
    void close();
}
