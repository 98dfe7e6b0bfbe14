package fuse.channel.kernel;

import java.lang.foreign.StructLayout;

/**
 * The opcode table: every request the kernel can send, with the size of its fixed argument struct, how many
 * NUL-terminated names follow it, and what it expects back. The decoder checks every request against this one
 * table before it reads a field, so no per-opcode code repeats a size check.
 */
public enum FuseOpcode {
    LOOKUP(1, null, 1, ReplyKind.ENTRY),
    FORGET(2, FuseForgetIn.LAYOUT, 0, ReplyKind.NONE),
    GETATTR(3, FuseGetattrIn.LAYOUT, 0, ReplyKind.ATTR),
    SETATTR(4, FuseSetattrIn.LAYOUT, 0, ReplyKind.ATTR),
    READLINK(5, null, 0, ReplyKind.LINK),
    /** The new entry's name, then the link target. */
    SYMLINK(6, null, 2, ReplyKind.ENTRY),
    MKNOD(8, FuseMknodIn.LAYOUT, 1, ReplyKind.ENTRY),
    MKDIR(9, FuseMkdirIn.LAYOUT, 1, ReplyKind.ENTRY),
    UNLINK(10, null, 1, ReplyKind.EMPTY),
    RMDIR(11, null, 1, ReplyKind.EMPTY),
    RENAME(12, FuseRenameIn.LAYOUT, 2, ReplyKind.EMPTY),
    LINK(13, FuseLinkIn.LAYOUT, 1, ReplyKind.ENTRY),
    OPEN(14, FuseOpenIn.LAYOUT, 0, ReplyKind.OPEN),
    READ(15, FuseReadIn.LAYOUT, 0, ReplyKind.DATA),
    /** The data follows the struct. */
    WRITE(16, FuseWriteIn.LAYOUT, 0, ReplyKind.WRITTEN),
    STATFS(17, null, 0, ReplyKind.STATFS),
    RELEASE(18, FuseReleaseIn.LAYOUT, 0, ReplyKind.EMPTY),
    FSYNC(20, FuseFsyncIn.LAYOUT, 0, ReplyKind.EMPTY),
    /** 8 bytes of {@code fuse_setxattr_in} unless SETXATTR_EXT was negotiated; the name, then the value. */
    SETXATTR(21, null, 1, ReplyKind.EMPTY) {
        @Override
        public int argSize(boolean setxattrExt) {
            return setxattrExt ? FuseSetxattrIn.BYTES : SETXATTR_COMPAT_SIZE;
        }
    },
    GETXATTR(22, FuseGetxattrIn.LAYOUT, 1, ReplyKind.XATTR),
    LISTXATTR(23, FuseGetxattrIn.LAYOUT, 0, ReplyKind.XATTR),
    REMOVEXATTR(24, null, 1, ReplyKind.EMPTY),
    FLUSH(25, FuseFlushIn.LAYOUT, 0, ReplyKind.EMPTY),
    /** Older kernels send only the first 16 bytes; flags2 is read when the request is long enough. */
    INIT(26, null, 0, ReplyKind.CHANNEL) {
        @Override
        public int argSize(boolean setxattrExt) {
            return INIT_IN_COMPAT_SIZE;
        }
    },
    OPENDIR(27, FuseOpenIn.LAYOUT, 0, ReplyKind.OPEN),
    READDIR(28, FuseReadIn.LAYOUT, 0, ReplyKind.DIRECTORY),
    RELEASEDIR(29, FuseReleaseIn.LAYOUT, 0, ReplyKind.EMPTY),
    FSYNCDIR(30, FuseFsyncIn.LAYOUT, 0, ReplyKind.EMPTY),
    GETLK(31, FuseLkIn.LAYOUT, 0, ReplyKind.UNSUPPORTED),
    SETLK(32, FuseLkIn.LAYOUT, 0, ReplyKind.UNSUPPORTED),
    SETLKW(33, FuseLkIn.LAYOUT, 0, ReplyKind.UNSUPPORTED),
    ACCESS(34, FuseAccessIn.LAYOUT, 0, ReplyKind.EMPTY),
    CREATE(35, FuseCreateIn.LAYOUT, 1, ReplyKind.CREATE),
    INTERRUPT(36, FuseInterruptIn.LAYOUT, 0, ReplyKind.CHANNEL),
    BMAP(37, FuseBmapIn.LAYOUT, 0, ReplyKind.UNSUPPORTED),
    DESTROY(38, null, 0, ReplyKind.CHANNEL),
    IOCTL(39, FuseIoctlIn.LAYOUT, 0, ReplyKind.UNSUPPORTED),
    POLL(40, FusePollIn.LAYOUT, 0, ReplyKind.UNSUPPORTED),
    /** The answer to a NOTIFY_RETRIEVE, which this channel never sends. */
    NOTIFY_REPLY(41, FuseNotifyRetrieveIn.LAYOUT, 0, ReplyKind.CHANNEL, true),
    /** {@code count} × {@code fuse_forget_one} follow. */
    BATCH_FORGET(42, FuseBatchForgetIn.LAYOUT, 0, ReplyKind.NONE),
    FALLOCATE(43, FuseFallocateIn.LAYOUT, 0, ReplyKind.EMPTY),
    READDIRPLUS(44, FuseReadIn.LAYOUT, 0, ReplyKind.DIRECTORY),
    RENAME2(45, FuseRename2In.LAYOUT, 2, ReplyKind.EMPTY),
    LSEEK(46, FuseLseekIn.LAYOUT, 0, ReplyKind.LSEEK),
    /** Replied with {@code fuse_write_out} (32-bit size). */
    COPY_FILE_RANGE(47, FuseCopyFileRangeIn.LAYOUT, 0, ReplyKind.WRITTEN),
    SETUPMAPPING(48, FuseSetupmappingIn.LAYOUT, 0, ReplyKind.UNSUPPORTED),
    REMOVEMAPPING(49, FuseRemovemappingIn.LAYOUT, 0, ReplyKind.UNSUPPORTED),
    SYNCFS(50, FuseSyncfsIn.LAYOUT, 0, ReplyKind.UNSUPPORTED),
    TMPFILE(51, FuseCreateIn.LAYOUT, 1, ReplyKind.UNSUPPORTED),
    STATX(52, FuseStatxIn.LAYOUT, 0, ReplyKind.UNSUPPORTED),
    /** Replied with {@code fuse_copy_file_range_out} (64-bit size). */
    COPY_FILE_RANGE_64(53, FuseCopyFileRangeIn.LAYOUT, 0, ReplyKind.WRITTEN);

    /** {@code fuse_setxattr_in} before SETXATTR_EXT: only {@code size} and {@code flags}. */
    public static final int SETXATTR_COMPAT_SIZE = 8;
    /** {@code fuse_init_in} before 7.36: major, minor, max_readahead, flags. */
    public static final int INIT_IN_COMPAT_SIZE = 16;

    private static final FuseOpcode[] BY_CODE = new FuseOpcode[64];

    static {
        for (FuseOpcode op : values()) {
            BY_CODE[op.code] = op;
        }
    }

    private final int code;
    private final int argSize;
    private final int names;
    private final ReplyKind reply;
    private final boolean noReply;

    FuseOpcode(int code, StructLayout args, int names, ReplyKind reply) {
        this(code, args, names, reply, reply == ReplyKind.NONE);
    }

    FuseOpcode(int code, StructLayout args, int names, ReplyKind reply, boolean noReply) {
        this.code = code;
        this.argSize = args == null ? 0 : (int) args.byteSize();
        this.names = names;
        this.reply = reply;
        this.noReply = noReply;
    }

    /** The opcode with this number, or {@code null} for one this table does not know. */
    public static FuseOpcode of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    public int code() {
        return code;
    }

    /** The size of the fixed argument struct that follows {@code fuse_in_header}. */
    public int argSize(boolean setxattrExt) {
        return argSize;
    }

    /** How many NUL-terminated names follow the fixed arguments. */
    public int names() {
        return names;
    }

    public ReplyKind reply() {
        return reply;
    }

    /** The kernel expects no reply at all: not even an error for a malformed request. */
    public boolean noReply() {
        return noReply;
    }
}
