package fuse.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A file or directory as a backend knows it. The backend chooses the representation (a path, an {@code O_PATH}
 * descriptor, an in-memory object); the mount never looks inside.
 *
 * <p>Contract: a backend returns <em>equal</em> nodes ({@link Object#equals}) for the same file, however it was
 * reached (lookup, readdirplus, create, link), because the mount maps equal nodes to one kernel inode. Each
 * {@link Entry} a backend returns counts one reference on its node; {@link FileSystem#forget} gives them back.
 */
@ConsumerType
public interface Node {
}
