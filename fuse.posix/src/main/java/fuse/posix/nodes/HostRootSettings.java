package fuse.posix.nodes;

import static fuse.posix.Linux.AT_EACCESS;
import static fuse.posix.Linux.AT_EMPTY_PATH;
import static fuse.posix.Linux.AT_FDCWD;
import static fuse.posix.Linux.O_CLOEXEC;
import static fuse.posix.Linux.O_DIRECTORY;
import static fuse.posix.Linux.O_PATH;
import static fuse.posix.Linux.R_OK;
import static fuse.posix.Linux.X_OK;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;

import org.osgi.annotation.versioning.ConsumerType;
import org.osgi.service.metatype.annotations.AttributeDefinition;

import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.posix.Posix;
import fuse.posix.PosixException;

/**
 * The {@value #ROOT} setting of a backend that serves a host directory, declared once: the backend's settings OCD
 * (an interface annotated with {@code @ObjectClassDefinition}) extends this one, so bnd's Metatype generation adds
 * the attribute to it; the backend reads the key with {@link #parseRoot} and opens the directory with
 * {@link #openRoot}. Every error is a {@link FuseException} whose message starts with the key, which the mount
 * shows the operator as it is.
 */
@ConsumerType
public interface HostRootSettings {
    String ROOT = "root";

    @AttributeDefinition(
            name = "Root",
            description = "Absolute path of the host directory to serve. Nothing outside it is reachable through "
                    + "the mount: no symlink, '..', rename race or hard link leads out. Changing it needs a remount.")
    String root();

    /**
     * The root as a configuration gives it: an absolute path string, normalized. Whether it exists is
     * {@link #openRoot}'s question, asked when the file system opens.
     *
     * @throws FuseException EINVAL, e.g. {@code "root: must be an absolute path, got 'data'"}
     */
    static Path parseRoot(Map<String, Object> configuration) throws FuseException {
        Object value = configuration.get(ROOT);
        if (value == null || value.toString().isBlank()) {
            throw new FuseException(Errno.EINVAL, ROOT + ": must be set to the host directory to serve");
        }
        if (!(value instanceof String text)) {
            throw new FuseException(Errno.EINVAL, ROOT + ": expected a path string, got "
                    + value.getClass().getSimpleName() + " " + value);
        }
        Path root;
        try {
            root = Path.of(text.trim());
        } catch (InvalidPathException e) {
            throw new FuseException(Errno.EINVAL, ROOT + ": '" + text + "' is not a path: " + e.getMessage());
        }
        if (!root.isAbsolute()) {
            throw new FuseException(Errno.EINVAL, ROOT + ": must be an absolute path, got '" + text + "'");
        }
        return root.normalize();
    }

    /**
     * Opens the root directory ({@code O_PATH}) and checks that the server may list and enter it.
     *
     * @return the descriptor, the caller's to close
     * @throws FuseException ENOENT when the root does not exist (yet), else EINVAL, with a message that names the
     *         setting, e.g. {@code "root: /srv/x does not exist"}, {@code "root: /srv/x is not a directory"}
     */
    static int openRoot(Path root) throws FuseException {
        int fd;
        try {
            fd = Posix.openat(AT_FDCWD, root.toString(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        } catch (PosixException e) {
            Errno errno = e.errno() == Errno.ENOENT ? Errno.ENOENT : Errno.EINVAL;
            throw new FuseException(errno, ROOT + ": " + root + switch (e.errno()) {
                case ENOENT -> " does not exist";
                case ENOTDIR -> " is not a directory";
                case EACCES -> " is not accessible";
                case ELOOP -> " has too many symbolic links";
                default -> ": " + e.getMessage();
            }, e);
        }
        try {
            Posix.faccessat(fd, "", R_OK | X_OK, AT_EMPTY_PATH | AT_EACCESS);
        } catch (PosixException e) {
            Posix.closeQuietly(fd);
            throw new FuseException(Errno.EINVAL, ROOT + ": " + root + " is not readable: " + e.errno(), e);
        }
        return fd;
    }
}
