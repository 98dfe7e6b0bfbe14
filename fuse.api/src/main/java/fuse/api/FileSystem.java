package fuse.api;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Set;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One backend's file system behind one mount, from {@link FileSystemBackend#open} until {@link #close()}.
 *
 * <p>Every operation works on the backend's own {@link Node}s and {@link Handle}s, never on kernel node ids, so
 * that another backend can take over a live mount by resolving the same names again. Operations may be called
 * concurrently from several threads, also for the same node. Errors are thrown as {@link FuseException}; an
 * operation a backend does not implement answers {@code ENOSYS} (the default), which the kernel remembers for
 * the rest of the mount.
 *
 * <p>Names are single path components (never {@code "/"}, {@code "."} or {@code ".."} except in readdir),
 * decoded as UTF-8 without loss: each byte of a name (or symlink target) that is not valid UTF-8 arrives as the
 * lone surrogate {@code U+DC00 + byte}, and such a string encodes back to that byte in replies and in
 * {@code fuse.posix} calls ({@code fuse.posix.FileNames}). A backend that turns names into bytes itself should do
 * the same; {@link String#getBytes} would make them {@code '?'}. Modes and flags are the Linux values ({@code O_*}, {@code S_*}, {@code RENAME_*},
 * {@code FALLOC_FL_*}, {@code XATTR_*}).
 */
@ConsumerType
public interface FileSystem extends AutoCloseable {

    /** {@code renameat2} flags. */
    int RENAME_NOREPLACE = 1;
    int RENAME_EXCHANGE = 2;
    int RENAME_WHITEOUT = 4;

    /** The root directory: the mount never {@linkplain #release(Node) releases} it. */
    Node root();

    /**
     * Whether this file system reports changes made behind the mount to its {@link MountContext}; the mount's
     * kernel cache timeouts follow it (mount key {@code coherence}). Asked once, after {@link FileSystemBackend#open}.
     */
    default ChangeWatch changeWatch() {
        return ChangeWatch.NONE;
    }

    /**
     * Resolves {@code name} in directory {@code parent}. The backend need not count anything: the mount counts the
     * kernel's lookups and {@linkplain #release(Node) releases} the node once.
     */
    Entry lookup(Caller caller, Node parent, String name) throws FuseException;

    /**
     * The mount is done with {@code node}: the kernel forgot it (its lookup count came to zero) and no open file
     * and no request of the mount uses it. Called exactly once per node the mount got in an {@link Entry} (from
     * lookup, create, mkdir, mknod, symlink, link; the root aside), after which the backend may drop what it keeps
     * for the node: a later lookup of the same file may answer a new node. Nodes the mount still knows when this
     * file system is {@linkplain #close() closed} get no release; close ends them all.
     *
     * <p>A backend need not order this against its lookups: a lookup running meanwhile may still answer the node
     * being released, and the mount then looks the name up again, so the kernel never gets a node the backend has
     * let go. Called from any mount thread, never with a lock of the mount held.
     *
     * @since 2.0
     */
    default void release(Node node) {
    }

    /**
     * The node's current attributes.
     *
     * @param handle the caller's open file when the kernel named one (fstat), else {@code null}
     */
    Attributes getattr(Caller caller, Node node, Handle handle) throws FuseException;

    /** Applies {@code changes} and answers the resulting attributes. {@code handle} as in {@link #getattr}. */
    default Attributes setattr(Caller caller, Node node, Handle handle, AttributeChanges changes)
            throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    default String readlink(Caller caller, Node node) throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    /** Creates a fifo, socket, device or regular file. {@code mode} includes the type bits. */
    default Entry mknod(Caller caller, Node parent, String name, int mode, long rdev) throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    default Entry mkdir(Caller caller, Node parent, String name, int mode) throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    default Entry symlink(Caller caller, Node parent, String name, String target) throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    /** Creates a hard link to {@code node} named {@code newName} in {@code newParent}. */
    default Entry link(Caller caller, Node node, Node newParent, String newName) throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    default void unlink(Caller caller, Node parent, String name) throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    default void rmdir(Caller caller, Node parent, String name) throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    /** {@code renameat2}; {@code flags} is 0 or a combination of the {@code RENAME_*} constants. */
    default void rename(Caller caller, Node parent, String name, Node newParent, String newName, int flags)
            throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    /**
     * Opens a regular file. {@code flags} are the caller's {@code open(2)} flags (without {@code O_CREAT},
     * {@code O_EXCL}, {@code O_NOCTTY}). The backend decides per open whether the kernel passes the file through.
     */
    default Opened open(Caller caller, Node node, int flags) throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    /** Creates and opens a regular file ({@code O_CREAT}). */
    default Created create(Caller caller, Node parent, String name, int flags, int mode) throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    /**
     * Reads up to {@code buffer.byteSize()} bytes at {@code offset} into {@code buffer}, which is the reply's
     * own memory: write the bytes there, do not keep the segment.
     *
     * @return the number of bytes read; fewer than asked only at end of file
     */
    default int read(Caller caller, Handle handle, long offset, MemorySegment buffer) throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    /**
     * Writes all of {@code data} at {@code offset} ({@code O_APPEND} handles append). {@code data} is the
     * request's own memory, valid only during the call.
     *
     * @param killPrivileges clear set-user-ID/set-group-ID and capabilities first: the kernel says an
     *        unprivileged caller writes ({@code FUSE_WRITE_KILL_SUIDGID})
     * @return the number of bytes written
     */
    default int write(Caller caller, Handle handle, long offset, MemorySegment data, boolean killPrivileges)
            throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    /** Called on every {@code close(2)} of a descriptor of this open file. */
    default void flush(Caller caller, Handle handle) throws FuseException {
    }

    default void fsync(Caller caller, Handle handle, boolean dataOnly) throws FuseException {
    }

    /** The last close of the open file; the handle is never used again. */
    default void release(Handle handle) {
    }

    default Handle opendir(Caller caller, Node node) throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    /**
     * How the kernel may cache the listing of a directory that {@link #opendir} just opened as {@code handle}.
     * {@link OpenOption#CACHE_DIR} lets it keep the entries it reads through this open and serve later listings
     * of the directory from memory, without READDIR requests; {@link OpenOption#KEEP_CACHE} as well lets it keep
     * what an earlier open cached, so a backend adds it only when the directory cannot have changed since that
     * open. Changes made through the mount need no care: the kernel drops its copy of a directory it changed
     * itself. Changes made any other way (on the host, by another client) do: without {@code KEEP_CACHE} the
     * kernel drops its copy at this open. The default, no options, has every listing read from the backend.
     *
     * @since 1.2
     */
    default Set<OpenOption> directoryCaching(Node node, Handle handle) {
        return Set.of();
    }

    /**
     * Lists directory entries from {@code offset} (0 = the start) until the filler is full or the directory ends.
     */
    default void readdir(Caller caller, Node node, Handle handle, long offset, DirectoryFiller filler)
            throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    default void fsyncdir(Caller caller, Handle handle, boolean dataOnly) throws FuseException {
    }

    default void releasedir(Handle handle) {
    }

    default FileSystemStats statfs(Caller caller, Node node) throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    /**
     * Reads an extended attribute into {@code buffer}; with an empty buffer, answers only the value's size.
     *
     * @return the value's size
     * @throws FuseException {@code ENODATA} if there is no such attribute, {@code ERANGE} if the buffer is short
     */
    default int getxattr(Caller caller, Node node, String name, MemorySegment buffer) throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    /** Lists attribute names, each NUL-terminated, like {@code listxattr(2)}; size query with an empty buffer. */
    default int listxattr(Caller caller, Node node, MemorySegment buffer) throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    /** {@code flags}: 0, {@code XATTR_CREATE} (1) or {@code XATTR_REPLACE} (2). */
    default void setxattr(Caller caller, Node node, String name, MemorySegment value, int flags)
            throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    default void removexattr(Caller caller, Node node, String name) throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    /** Checks {@code access(2)} permission {@code mask} ({@code R_OK|W_OK|X_OK}, or {@code F_OK} = 0). */
    default void access(Caller caller, Node node, int mask) throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    /** {@code fallocate(2)}, including {@code FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE}. */
    default void fallocate(Caller caller, Handle handle, int mode, long offset, long length) throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    /** {@code lseek(2)} for {@code SEEK_DATA} (3) and {@code SEEK_HOLE} (4); the kernel handles the others. */
    default long lseek(Caller caller, Handle handle, long offset, int whence) throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    /** {@code copy_file_range(2)} between two open files of this file system. */
    default long copyFileRange(Caller caller, Handle in, long inOffset, Handle out, long outOffset, long length,
            int flags) throws FuseException {
        throw new FuseException(Errno.ENOSYS);
    }

    /**
     * The mount's configuration changed while this file system is open ({@link MountContext#configuration()}
     * shape). A backend applies what it can change live, e.g. a passthrough policy that governs later opens, and
     * returns normally; open handles keep what they were opened with.
     *
     * @throws FuseException {@code ENOSYS} (the default) when the backend cannot apply changes live: the mount then
     *         opens a fresh file system with the new settings and swaps to it; {@code EINVAL} with a message naming
     *         the setting when the new configuration is unusable or changes something that needs a remount (the
     *         file system stays as it was)
     */
    default void reconfigure(Map<String, Object> configuration) throws FuseException {
        throw new FuseException(Errno.ENOSYS, "this backend applies configuration changes only when reopened");
    }

    /**
     * Ends this file system's life behind the mount: after unmount, or after a swap once every handle it opened
     * has been released. No operation is called after this.
     */
    @Override
    default void close() {
    }
}
