package fuse.channel;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Answers a session's requests; implemented by {@code fuse.mount} (and by the tests' in-memory file system).
 * Called concurrently from the session's reader threads; each call replies before it returns.
 */
@ConsumerType
public interface RequestHandler {

    /** INIT was negotiated; called once, before any request. */
    default void initialized(FuseSession session, InitResult init) {
    }

    /**
     * Answers one request through {@code reply}. An exception escaping here is logged and answered with
     * {@code EIO}; the session goes on.
     */
    void handle(Request request, Reply reply);

    /** The session ended (DESTROY, unmount or abort); no request follows. */
    default void destroyed() {
    }
}
