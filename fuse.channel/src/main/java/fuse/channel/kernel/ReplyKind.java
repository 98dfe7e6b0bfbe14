package fuse.channel.kernel;

/**
 * What the kernel expects back for an opcode. The reply object checks each call against it, so a handler that
 * answers a READ with an entry gets an exception instead of the kernel failing the request with EIO.
 */
public enum ReplyKind {
    /** FORGET and BATCH_FORGET: the handler learns of them, the kernel expects nothing back. */
    NONE,
    /** Only the header: an error, or success without data. */
    EMPTY,
    ENTRY,
    ATTR,
    OPEN,
    CREATE,
    /** {@code fuse_write_out}, or {@code fuse_copy_file_range_out} for COPY_FILE_RANGE_64. */
    WRITTEN,
    STATFS,
    /** Variable data (READ). */
    DATA,
    /** Variable data: the link target (READLINK). */
    LINK,
    /** {@code fuse_getxattr_out} when the caller asked for the size, else the data. */
    XATTR,
    LSEEK,
    DIRECTORY,
    /** Answered (or, for NOTIFY_REPLY, consumed) by the channel itself: INIT, INTERRUPT, DESTROY. */
    CHANNEL,
    /** Answered ENOSYS by the channel: the kernel then handles it locally or stops asking. */
    UNSUPPORTED
}
