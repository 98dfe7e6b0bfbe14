/**
 * Building blocks for backends that mirror host files: {@link fuse.posix.nodes.HostNodes}, the nodes the mount
 * knows, one per host file until the mount releases it, each reachable through an {@code O_PATH} descriptor that
 * is opened only while the node is in use (from its file handle) and kept for the most recently used nodes, so
 * that the descriptors a backend holds stay bounded however many files the kernel knows; and
 * {@link fuse.posix.nodes.HostFile}, an open host file as a handle, with the file operations such a backend
 * serves on it; {@link fuse.posix.nodes.HostCreation}, a create that knows what it made and undoes only that;
 * {@link fuse.posix.nodes.HostRootSettings}, the {@code root} setting such a backend takes.
 */
@Export
@Version("2.3.0")
package fuse.posix.nodes;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
