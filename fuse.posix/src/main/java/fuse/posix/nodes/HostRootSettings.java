package fuse.posix.nodes;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;

import org.osgi.annotation.versioning.ConsumerType;
import org.osgi.service.metatype.annotations.AttributeDefinition;

import fuse.api.Errno;
import fuse.api.FuseException;

/**
 * The {@value #ROOT} setting of a backend that serves a host directory, declared once: the backend's settings OCD
 * (an interface annotated with {@code @ObjectClassDefinition}) extends this one, so bnd's Metatype generation adds
 * the attribute to it; the backend reads the key with {@link #parseRoot} and opens the directory with
 * {@link ConfiguredDirectory#open}. Every error is a {@link FuseException} whose message starts with the key,
 * which the mount shows the operator as it is.
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
     * {@link ConfiguredDirectory#open}'s question, asked when the file system opens.
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
}
