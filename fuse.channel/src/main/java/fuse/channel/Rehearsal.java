package fuse.channel;

import java.io.IOException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A session without a mount, from {@link FuseChannel#rehearse}: requests made up here as the kernel would send
 * them go through the channel's decoding, the handler and the reply encoding, and the replies come back here
 * instead of going to a kernel. For running a request path before the first real request needs it, so that the
 * JIT has compiled it by then. Used by one thread at a time.
 */
@ProviderType
public interface Rehearsal extends FuseSession {

    /**
     * Lists the directory {@code name} in the root as the kernel does after a cache drop: LOOKUP, OPENDIR (once the
     * handler answered one with ENOSYS, none: the kernel then opens directories itself), READDIRPLUS for the first
     * batch where INIT agreed on it and READDIR for the rest, up to the empty reply at the end, RELEASEDIR, and a
     * BATCH_FORGET of every node looked up.
     *
     * @return the number of entries listed ("." and ".." included where the handler lists them)
     * @throws IOException naming the request the handler refused and its errno, or when the rehearsal is closed
     */
    int list(String name) throws IOException;
}
