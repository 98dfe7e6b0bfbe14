package fuse.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A file or directory as a backend knows it. The backend chooses the representation (a path, an {@code O_PATH}
 * descriptor, an in-memory object); the mount never looks inside.
 *
 * <p>Contract: a backend returns <em>equal</em> nodes ({@link Object#equals}) for the same file, however it was
 * reached (lookup, readdirplus, create, link), because the mount maps equal nodes to one kernel inode. The mount
 * owns a node's lifetime: it counts the kernel's lookups, open files and requests, and tells the backend once,
 * {@link FileSystem#release(Node)}, when none is left.
 */
@ConsumerType
public interface Node {
}
