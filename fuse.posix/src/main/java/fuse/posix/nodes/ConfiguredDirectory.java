package fuse.posix.nodes;

import static fuse.posix.Linux.AT_EACCESS;
import static fuse.posix.Linux.AT_EMPTY_PATH;
import static fuse.posix.Linux.AT_FDCWD;
import static fuse.posix.Linux.O_CLOEXEC;
import static fuse.posix.Linux.O_DIRECTORY;
import static fuse.posix.Linux.O_PATH;
import static fuse.posix.Linux.R_OK;
import static fuse.posix.Linux.W_OK;
import static fuse.posix.Linux.X_OK;

import java.nio.file.Path;

import fuse.api.FuseException;
import fuse.posix.Posix;
import fuse.posix.PosixException;

/**
 * Opening a host directory that a backend's setting names (the local backend's {@code root}, the overlay's
 * layers): one place for the checks and for the messages the operator reads, which start with the setting.
 */
public final class ConfiguredDirectory {
    private ConfiguredDirectory() {
    }

    /**
     * Opens {@code path} ({@code O_PATH}) and checks that the server may list and enter it, and write it when
     * {@code writable}.
     *
     * @return the descriptor, the caller's to close
     * @throws FuseException with the refusal's errno and a message that names the setting, e.g.
     *         {@code "root: /srv/x does not exist"} (ENOENT), {@code "upperdir: /srv/u is not writable"} (EACCES)
     */
    public static int open(String setting, Path path, boolean writable) throws FuseException {
        int fd;
        try {
            fd = Posix.openat(AT_FDCWD, path.toString(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        } catch (PosixException e) {
            throw new FuseException(e.errno(), setting + ": " + path + switch (e.errno()) {
                case ENOENT -> " does not exist";
                case ENOTDIR -> " is not a directory";
                case EACCES -> " is not accessible";
                case ELOOP -> " has too many symbolic links";
                default -> ": " + e.getMessage();
            }, e);
        }
        try {
            Posix.faccessat(fd, "", R_OK | X_OK | (writable ? W_OK : 0), AT_EMPTY_PATH | AT_EACCESS);
            return fd;
        } catch (PosixException e) {
            Posix.closeQuietly(fd);
            throw new FuseException(e.errno(), setting + ": " + path + switch (e.errno()) {
                case EROFS -> " is on a read-only file system";
                case EACCES -> writable ? " is not writable" : " is not readable";
                default -> ": " + e.getMessage();
            }, e);
        }
    }
}
