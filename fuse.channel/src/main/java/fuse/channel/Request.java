package fuse.channel;

import java.lang.foreign.MemorySegment;

import org.osgi.annotation.versioning.ProviderType;

import fuse.api.AttributeChanges;

/**
 * A decoded request from the kernel, one record per opcode the handler answers. INIT, INTERRUPT, DESTROY,
 * NOTIFY_REPLY and the opcodes answered with ENOSYS never reach the handler.
 *
 * <p>Memory segments in a request (write data, xattr values) are slices of the reader thread's buffer: valid
 * only until the handler returns. A {@code fh} of -1 means the kernel named no open file.
 */
@ProviderType
public sealed interface Request {

    RequestHeader header();

    record Lookup(RequestHeader header, String name) implements Request {}

    /** FORGET and each item of BATCH_FORGET: no reply. */
    record Forget(RequestHeader header, long nodeId, long count) implements Request {}

    /** BATCH_FORGET: no reply. */
    record BatchForget(RequestHeader header, long[] nodeIds, long[] counts) implements Request {}

    record GetAttr(RequestHeader header, long fh) implements Request {}

    record SetAttr(RequestHeader header, long fh, AttributeChanges changes) implements Request {}

    record ReadLink(RequestHeader header) implements Request {}

    record Symlink(RequestHeader header, String name, String target) implements Request {}

    record MkNod(RequestHeader header, String name, int mode, int rdev, int umask) implements Request {}

    record MkDir(RequestHeader header, String name, int mode, int umask) implements Request {}

    record Unlink(RequestHeader header, String name) implements Request {}

    record RmDir(RequestHeader header, String name) implements Request {}

    /** RENAME (flags 0) and RENAME2. */
    record Rename(RequestHeader header, String name, long newParent, String newName, int flags) implements Request {}

    /** {@code header().nodeId()} is the new parent; {@code oldNodeId} the file to link. */
    record Link(RequestHeader header, long oldNodeId, String newName) implements Request {}

    /** @param killPrivileges FUSE_OPEN_KILL_SUIDGID: an unprivileged caller opens with O_TRUNC */
    record Open(RequestHeader header, int flags, boolean killPrivileges) implements Request {}

    record Read(RequestHeader header, long fh, long offset, int size, int flags) implements Request {}

    /** @param killPrivileges FUSE_WRITE_KILL_SUIDGID */
    record Write(RequestHeader header, long fh, long offset, MemorySegment data, boolean killPrivileges, int flags)
            implements Request {}

    record StatFs(RequestHeader header) implements Request {}

    /** @param flush FUSE_RELEASE_FLUSH: the close also flushes */
    record Release(RequestHeader header, long fh, int flags, boolean flush) implements Request {}

    record Fsync(RequestHeader header, long fh, boolean dataOnly) implements Request {}

    /**
     * @param flags {@code XATTR_CREATE}/{@code XATTR_REPLACE}
     * @param killSetGid FUSE_SETXATTR_ACL_KILL_SGID: an ACL set by a caller outside the file's group and without
     *        CAP_FSETID, which must also clear the file's set-group-ID bit (the kernel leaves that to the server)
     */
    record SetXattr(RequestHeader header, String name, MemorySegment value, int flags, boolean killSetGid)
            implements Request {
        /** A set without FUSE_SETXATTR_ACL_KILL_SGID. */
        public SetXattr(RequestHeader header, String name, MemorySegment value, int flags) {
            this(header, name, value, flags, false);
        }
    }

    /** @param size the caller's buffer size; 0 asks for the value's size only */
    record GetXattr(RequestHeader header, String name, int size) implements Request {}

    record ListXattr(RequestHeader header, int size) implements Request {}

    record RemoveXattr(RequestHeader header, String name) implements Request {}

    record Flush(RequestHeader header, long fh, long lockOwner) implements Request {}

    record OpenDir(RequestHeader header, int flags) implements Request {}

    /** READDIR, or READDIRPLUS when {@code plus}. */
    record ReadDir(RequestHeader header, long fh, long offset, int size, boolean plus) implements Request {}

    record ReleaseDir(RequestHeader header, long fh) implements Request {}

    record FsyncDir(RequestHeader header, long fh, boolean dataOnly) implements Request {}

    record Access(RequestHeader header, int mask) implements Request {}

    record Create(RequestHeader header, String name, int flags, int mode, int umask, boolean killPrivileges)
            implements Request {}

    record Fallocate(RequestHeader header, long fh, long offset, long length, int mode) implements Request {}

    record Lseek(RequestHeader header, long fh, long offset, int whence) implements Request {}

    /**
     * COPY_FILE_RANGE and COPY_FILE_RANGE_64; the reply is the same call either way
     * ({@link Reply#written(long)}).
     */
    record CopyFileRange(RequestHeader header, long fhIn, long offsetIn, long nodeIdOut, long fhOut,
            long offsetOut, long length, long flags) implements Request {}
}
