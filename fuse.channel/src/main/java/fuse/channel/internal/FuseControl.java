package fuse.channel.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.posix.PosixException;

/**
 * The fusectl file system at {@code /sys/fs/fuse/connections}: one directory per connection, named by the mount's
 * device number, with {@code abort} (write anything: every request fails, the server's reads get ENODEV) and
 * {@code waiting} (requests the server has not answered). Mounted on first use when missing.
 */
final class FuseControl {
    private static final Logger LOG = LoggerFactory.getLogger(FuseControl.class);
    static final Path CONNECTIONS = Path.of("/sys/fs/fuse/connections");

    private FuseControl() {
    }

    /** Mounts fusectl if it is not mounted yet; {@code false} (logged) if that is impossible. */
    static synchronized boolean ensureMounted() {
        try {
            for (MountTable.Mount mount : MountTable.fresh().read()) {
                if (mount.fsType().equals("fusectl") && mount.mountPoint().equals(CONNECTIONS.toString())) {
                    return true;
                }
            }
            if (!Files.isDirectory(CONNECTIONS)) {
                LOG.warn("{} does not exist (fuse module not loaded?): connections cannot be aborted", CONNECTIONS);
                return false;
            }
            LinuxCalls.mount("fusectl", CONNECTIONS.toString(), "fusectl", 0, null);
            LOG.info("mounted fusectl at {}", CONNECTIONS);
            return true;
        } catch (PosixException e) {
            LOG.warn("cannot mount fusectl at {}: {}; stuck connections cannot be aborted", CONNECTIONS,
                    e.getMessage());
            return false;
        } catch (IOException e) {
            LOG.warn("cannot read the mount table: {}", e.toString());
            return false;
        }
    }

    /**
     * Aborts connection {@code id}: pending and future requests fail with ENOTCONN, the server's blocked reads
     * return ENODEV. {@code false} if the connection no longer exists or cannot be aborted.
     */
    static boolean abort(long id) {
        if (!ensureMounted()) {
            return false;
        }
        try {
            Files.writeString(CONNECTIONS.resolve(Long.toString(id)).resolve("abort"), "1");
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            LOG.warn("cannot abort FUSE connection {}: {}", id, e.toString());
            return false;
        }
    }

    /** The number of requests connection {@code id} has not answered yet, if the connection exists. */
    static OptionalLong waiting(long id) {
        if (!ensureMounted()) {
            return OptionalLong.empty();
        }
        try {
            String text = KernelFiles.read(CONNECTIONS.resolve(Long.toString(id)).resolve("waiting"));
            return OptionalLong.of(Long.parseLong(text));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
