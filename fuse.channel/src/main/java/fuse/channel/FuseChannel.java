package fuse.channel;

import java.io.IOException;
import java.nio.file.Path;

import fuse.channel.internal.ChannelRehearsal;
import fuse.channel.internal.Mounter;

/**
 * Entry point: mounts sessions and cleans stale mounts. Stateless; each session owns its own resources.
 */
public final class FuseChannel {
    private FuseChannel() {
    }

    /**
     * Mounts a FUSE file system at {@code options.mountpoint()} served by {@code handler}, starting the reader
     * threads. A stale mount of a crashed server at the mountpoint ({@code ENOTCONN}) is cleaned first.
     *
     * @throws IOException with a message naming the problem: no /dev/fuse, mountpoint missing or not a
     *         directory, mount(2) refused (with its errno), …
     */
    public static FuseSession mount(MountOptions options, RequestHandler handler) throws IOException {
        return Mounter.mount(options, handler);
    }

    /**
     * A {@link Rehearsal} of {@code handler}: nothing is mounted; INIT is negotiated at once, as with a kernel of
     * this channel's protocol version that offers every flag the channel asks for, and {@code handler.initialized}
     * is called before this returns.
     */
    public static Rehearsal rehearse(MountOptions options, RequestHandler handler) {
        return ChannelRehearsal.start(options, handler);
    }

    /**
     * If {@code mountpoint} is a FUSE mount whose server is gone (stat gives ENOTCONN), aborts its connection and
     * unmounts it lazily.
     *
     * @return {@code true} if a stale mount was cleaned
     */
    public static boolean cleanStaleMount(Path mountpoint) throws IOException {
        return Mounter.cleanStaleMount(mountpoint);
    }

    /**
     * Whether something is mounted at {@code mountpoint} (absolute, as the mount table names it), from the mount
     * table: waits for no file system (it opens the table for the reading; a session's own unmount needs no new
     * descriptor).
     */
    public static boolean isMountPoint(Path mountpoint) throws IOException {
        return Mounter.isMountPoint(mountpoint);
    }
}
