package fuse.channel.kernel;

/**
 * The constants of {@code fuse_kernel.h} (7.45, Linux 6.18) that are not struct layouts, opcodes or INIT flags
 * (those live in {@link FuseOpcode} and {@link fuse.channel.InitResult}).
 */
public final class FuseKernel {
    private FuseKernel() {
    }

    public static final int KERNEL_VERSION = 7;
    /** The newest minor this channel speaks: COPY_FILE_RANGE_64 (7.45). */
    public static final int KERNEL_MINOR_VERSION = 45;
    /**
     * The oldest minor accepted. Every struct this channel reads or writes has had its current size since 7.31
     * (Linux 5.4), so no compat sizes are needed.
     */
    public static final int MIN_KERNEL_MINOR_VERSION = 31;

    public static final long ROOT_ID = 1;
    /** The kernel rejects longer names in dirents and notifications. */
    public static final int NAME_MAX = 1024;
    /** The smallest read buffer /dev/fuse accepts. */
    public static final int MIN_READ_BUFFER = 8192;
    /** An INTERRUPT request's own unique has this bit set. */
    public static final long INT_REQ_BIT = 1L;
    /** Extensions after the arguments are counted in units of this many bytes ({@code total_extlen}). */
    public static final int EXTLEN_UNIT = 8;
    /** Records in READDIR replies are padded to this. */
    public static final int DIRENT_ALIGN = 8;

    // fuse_setattr_in.valid
    public static final int FATTR_MODE = 1 << 0;
    public static final int FATTR_UID = 1 << 1;
    public static final int FATTR_GID = 1 << 2;
    public static final int FATTR_SIZE = 1 << 3;
    public static final int FATTR_ATIME = 1 << 4;
    public static final int FATTR_MTIME = 1 << 5;
    public static final int FATTR_FH = 1 << 6;
    public static final int FATTR_ATIME_NOW = 1 << 7;
    public static final int FATTR_MTIME_NOW = 1 << 8;
    public static final int FATTR_LOCKOWNER = 1 << 9;
    public static final int FATTR_CTIME = 1 << 10;
    public static final int FATTR_KILL_SUIDGID = 1 << 11;

    public static final int GETATTR_FH = 1;
    public static final int WRITE_CACHE = 1;
    public static final int WRITE_LOCKOWNER = 2;
    public static final int WRITE_KILL_SUIDGID = 4;
    public static final int RELEASE_FLUSH = 1;
    public static final int FSYNC_FDATASYNC = 1;
    public static final int OPEN_KILL_SUIDGID = 1;
    /**
     * {@code fuse_setxattr_in.setxattr_flags} (with SETXATTR_EXT): the kernel sets it when a caller outside the
     * file's group and without CAP_FSETID sets an ACL, which must clear set-group-ID as a local file system's
     * {@code posix_acl_update_mode} would (fs/fuse/acl.c).
     */
    public static final int SETXATTR_ACL_KILL_SGID = 1;

    // notify codes (fuse_out_header.error of an unsolicited message, unique 0)
    public static final int NOTIFY_POLL = 1;
    public static final int NOTIFY_INVAL_INODE = 2;
    public static final int NOTIFY_INVAL_ENTRY = 3;
    public static final int NOTIFY_STORE = 4;
    public static final int NOTIFY_RETRIEVE = 5;
    public static final int NOTIFY_DELETE = 6;
    public static final int NOTIFY_INC_EPOCH = 8;
    /** The first protocol minor with {@link #NOTIFY_INC_EPOCH}. */
    public static final int NOTIFY_INC_EPOCH_MINOR = 44;

    // /dev/fuse ioctls, as the unsigned 32-bit values _IOR/_IOW produce
    public static final int DEV_IOC_CLONE = 0x8004E500;
    public static final int DEV_IOC_BACKING_OPEN = 0x4010E501;
    public static final int DEV_IOC_BACKING_CLOSE = 0x4004E502;
    public static final int DEV_IOC_SYNC_INIT = 0x0000E503;
}
