package fuse.container.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.posix.PosixException;
import fuse.posix.UnixSockets;

/**
 * The {@code sd_notify} protocol of a {@code Type=notify} systemd service: newline-separated {@code KEY=value}
 * assignments, one datagram each, to the AF_UNIX socket named by {@code $NOTIFY_SOCKET} (a path, or {@code @} and
 * an abstract name). Without that variable (not started by systemd) every call does nothing. A failed send is
 * logged once: the service manager then times the start out itself, which says more than repeating it.
 */
final class SystemdNotify {
    static final String SOCKET_VARIABLE = "NOTIFY_SOCKET";
    private static final Logger LOG = LoggerFactory.getLogger(SystemdNotify.class);

    private final String socket;
    private volatile boolean failed;

    SystemdNotify(String socket) {
        this.socket = socket == null || socket.isEmpty() ? null : socket;
    }

    static SystemdNotify fromEnvironment() {
        return new SystemdNotify(System.getenv(SOCKET_VARIABLE));
    }

    /** The mounts configured at start are up (or given up on): systemd may start what is ordered after us. */
    void ready(String status) {
        send("READY=1\nSTATUS=" + oneLine(status));
    }

    void status(String status) {
        send("STATUS=" + oneLine(status));
    }

    /** The framework stops: unmounting, then exit. */
    void stopping() {
        send("STOPPING=1\nSTATUS=stopping: unmounting every mount");
    }

    private void send(String message) {
        if (socket == null || failed) {
            return;
        }
        try {
            UnixSockets.sendDatagram(socket, message);
        } catch (PosixException e) {
            failed = true;
            LOG.warn("cannot notify the service manager on {}={}: {}", SOCKET_VARIABLE, socket, e.getMessage());
        }
    }

    private static String oneLine(String status) {
        return status.replace('\n', ' ');
    }
}
