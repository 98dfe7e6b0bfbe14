package fuse.channel;

import java.util.Arrays;
import java.util.Optional;

/**
 * How a session receives requests and sends replies: the {@code /dev/fuse} descriptor ({@code read}/{@code writev}
 * per request), or FUSE over io_uring (Linux 6.14+: one ring queue per CPU, a request and the previous reply in one
 * {@code io_uring_enter}). INIT, FORGET, INTERRUPT, notifications and backing-file ioctls always use
 * {@code /dev/fuse}.
 */
public enum ChannelTransport {
    /** io_uring when the kernel offers it ({@code fuse} module parameter {@code enable_uring}), else /dev/fuse. */
    AUTO("auto"),
    /** io_uring, or the mount fails naming why it is not available. */
    URING("uring"),
    /** /dev/fuse read and writev. */
    DEVICE("device");

    private final String key;

    ChannelTransport(String key) {
        this.key = key;
    }

    /** The configuration value: {@code auto}, {@code uring} or {@code device}. */
    public String key() {
        return key;
    }

    /** The transport named {@code key} (case-insensitive), if any. */
    public static Optional<ChannelTransport> of(String key) {
        return Arrays.stream(values()).filter(t -> t.key.equalsIgnoreCase(key.strip())).findFirst();
    }
}
