package fuse.posix;

/**
 * The Linux (x86_64) constants of the file system calls, in one place: {@code O_*}, {@code AT_*},
 * {@code RESOLVE_*}, {@code S_*}, {@code FALLOC_FL_*}, {@code SEEK_*}, {@code XATTR_*}, {@code RENAME_*},
 * {@code UTIME_*}, access modes, {@code fcntl} commands, {@code flock} operations, {@code DT_*}, the system
 * call numbers glibc 2.36 has no wrapper for and the file system magic numbers of {@code statfs}. Values are the
 * kernel's ({@code asm-generic/fcntl.h}, {@code linux/openat2.h}, …); meant for
 * {@code import static fuse.posix.Linux.*}.
 */
public final class Linux {
    private Linux() {
    }

    // open(2) flags (octal, as in asm-generic/fcntl.h)
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 01;
    public static final int O_RDWR = 02;
    public static final int O_ACCMODE = 03;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NOCTTY = 0400;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_DSYNC = 010000;
    public static final int O_ASYNC = 020000;
    public static final int O_DIRECT = 040000;
    public static final int O_LARGEFILE = 0100000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_NOATIME = 01000000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_SYNC = 04010000;
    public static final int O_PATH = 010000000;
    public static final int O_TMPFILE = 020200000;

    // *at(2) flags
    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int AT_REMOVEDIR = 0x200;
    /** faccessat: check with the effective (file system) ids; same value as AT_REMOVEDIR. */
    public static final int AT_EACCESS = 0x200;
    public static final int AT_SYMLINK_FOLLOW = 0x400;
    public static final int AT_NO_AUTOMOUNT = 0x800;
    public static final int AT_EMPTY_PATH = 0x1000;
    /** {@code struct file_handle}'s largest {@code f_handle} ({@code MAX_HANDLE_SZ}). */
    public static final int MAX_HANDLE_SZ = 128;
    /** {@code getrlimit(2)}: the most descriptors a process may have open ({@code RLIMIT_NOFILE}). */
    public static final int RLIMIT_NOFILE = 7;

    // openat2(2) struct open_how.resolve
    public static final long RESOLVE_NO_XDEV = 0x01;
    public static final long RESOLVE_NO_MAGICLINKS = 0x02;
    public static final long RESOLVE_NO_SYMLINKS = 0x04;
    public static final long RESOLVE_BENEATH = 0x08;
    public static final long RESOLVE_IN_ROOT = 0x10;
    public static final long RESOLVE_CACHED = 0x20;

    // st_mode
    public static final int S_IFMT = 0170000;
    public static final int S_IFSOCK = 0140000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFIFO = 0010000;
    public static final int S_ISUID = 04000;
    public static final int S_ISGID = 02000;
    public static final int S_ISVTX = 01000;
    public static final int S_IRWXU = 0700;
    public static final int S_IRWXG = 070;
    public static final int S_IXGRP = 010;
    public static final int S_IRWXO = 07;
    /** The permission bits including set-user-ID, set-group-ID and sticky. */
    public static final int S_IALLUGO = 07777;

    // fallocate(2)
    public static final int FALLOC_FL_KEEP_SIZE = 0x01;
    public static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    public static final int FALLOC_FL_NO_HIDE_STALE = 0x04;
    public static final int FALLOC_FL_COLLAPSE_RANGE = 0x08;
    public static final int FALLOC_FL_ZERO_RANGE = 0x10;
    public static final int FALLOC_FL_INSERT_RANGE = 0x20;
    public static final int FALLOC_FL_UNSHARE_RANGE = 0x40;

    // lseek(2)
    public static final int SEEK_SET = 0;
    public static final int SEEK_CUR = 1;
    public static final int SEEK_END = 2;
    public static final int SEEK_DATA = 3;
    public static final int SEEK_HOLE = 4;

    // setxattr(2)
    public static final int XATTR_CREATE = 1;
    public static final int XATTR_REPLACE = 2;
    /** Longest attribute name (without NUL) and value the VFS accepts. */
    public static final int XATTR_NAME_MAX = 255;
    public static final int XATTR_SIZE_MAX = 65536;
    public static final int XATTR_LIST_MAX = 65536;

    // renameat2(2)
    public static final int RENAME_NOREPLACE = 1;
    public static final int RENAME_EXCHANGE = 2;
    public static final int RENAME_WHITEOUT = 4;

    // utimensat(2) tv_nsec specials
    public static final long UTIME_NOW = (1L << 30) - 1;
    public static final long UTIME_OMIT = (1L << 30) - 2;

    // access(2)
    public static final int F_OK = 0;
    public static final int X_OK = 1;
    public static final int W_OK = 2;
    public static final int R_OK = 4;

    // fcntl(2)
    public static final int F_DUPFD = 0;
    public static final int F_GETFD = 1;
    public static final int F_SETFD = 2;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;
    public static final int F_DUPFD_CLOEXEC = 1030;
    public static final int FD_CLOEXEC = 1;

    // flock(2)
    public static final int LOCK_SH = 1;
    public static final int LOCK_EX = 2;
    public static final int LOCK_NB = 4;
    public static final int LOCK_UN = 8;

    // linux_dirent64.d_type
    public static final int DT_UNKNOWN = 0;
    public static final int DT_FIFO = 1;
    public static final int DT_CHR = 2;
    public static final int DT_DIR = 4;
    public static final int DT_BLK = 6;
    public static final int DT_REG = 8;
    public static final int DT_LNK = 10;
    public static final int DT_SOCK = 12;
    public static final int DT_WHT = 14;

    /** Longest path the kernel accepts, including the terminating NUL. */
    public static final int PATH_MAX = 4096;
    /** Longest single name component, in bytes. */
    public static final int NAME_MAX = 255;

    // x86_64 system call numbers without a glibc 2.36 wrapper
    public static final long SYS_OPENAT2 = 437;
    public static final long SYS_FACCESSAT2 = 439;
    public static final long SYS_FCHMODAT2 = 452;
    /** The raw calls, not glibc's wrappers: glibc's setgroups changes every thread of the process. */
    public static final long SYS_GETGROUPS = 115;
    public static final long SYS_SETGROUPS = 116;
    /** {@code NGROUPS_MAX}: the most supplementary groups a thread can have. */
    public static final int NGROUPS_MAX = 65536;

    // fanotify(7): fanotify_init flags, fanotify_mark flags, event mask bits, info record types
    public static final int FAN_CLOEXEC = 0x1;
    public static final int FAN_NONBLOCK = 0x2;
    public static final int FAN_REPORT_TID = 0x100;
    public static final int FAN_REPORT_FID = 0x200;
    public static final int FAN_REPORT_DIR_FID = 0x400;
    public static final int FAN_REPORT_NAME = 0x800;
    public static final int FAN_REPORT_DFID_NAME = FAN_REPORT_DIR_FID | FAN_REPORT_NAME;
    public static final int FAN_MARK_ADD = 0x1;
    public static final int FAN_MARK_FILESYSTEM = 0x100;
    public static final long FAN_MODIFY = 0x2;
    public static final long FAN_ATTRIB = 0x4;
    public static final long FAN_MOVED_FROM = 0x40;
    public static final long FAN_MOVED_TO = 0x80;
    public static final long FAN_CREATE = 0x100;
    public static final long FAN_DELETE = 0x200;
    public static final long FAN_DELETE_SELF = 0x400;
    public static final long FAN_MOVE_SELF = 0x800;
    public static final long FAN_Q_OVERFLOW = 0x4000;
    public static final long FAN_ONDIR = 0x40000000L;
    public static final int FAN_EVENT_INFO_TYPE_FID = 1;
    public static final int FAN_EVENT_INFO_TYPE_DFID_NAME = 2;
    public static final int FAN_EVENT_INFO_TYPE_DFID = 3;
    public static final int FANOTIFY_METADATA_VERSION = 3;
    // inotify(7): inotify_init1 flags, event mask bits
    public static final int IN_CLOEXEC = 0x80000;
    public static final int IN_NONBLOCK = 0x800;
    public static final int IN_MODIFY = 0x2;
    public static final int IN_ATTRIB = 0x4;
    public static final int IN_CLOSE_WRITE = 0x8;
    public static final int IN_MOVED_FROM = 0x40;
    public static final int IN_MOVED_TO = 0x80;
    public static final int IN_CREATE = 0x100;
    public static final int IN_DELETE = 0x200;
    public static final int IN_DELETE_SELF = 0x400;
    public static final int IN_MOVE_SELF = 0x800;
    public static final int IN_Q_OVERFLOW = 0x4000;
    public static final int IN_IGNORED = 0x8000;
    public static final int IN_ONLYDIR = 0x1000000;
    public static final int IN_DONT_FOLLOW = 0x2000000;
    public static final int IN_EXCL_UNLINK = 0x4000000;
    /** poll(2) event bit. */
    public static final short POLLIN = 0x1;

    // file system magic numbers: statfs(2) f_type (linux/magic.h), as Posix.fileSystemType answers
    public static final long EXT4_SUPER_MAGIC = 0xEF53L; // ext2 and ext3 too
    public static final long XFS_SUPER_MAGIC = 0x58465342L;
    public static final long BTRFS_SUPER_MAGIC = 0x9123683EL;
    public static final long TMPFS_MAGIC = 0x01021994L;

    /** {@code makedev(3)}: the dev_t of a device with these major and minor numbers (glibc encoding). */
    public static long makedev(int major, int minor) {
        long ma = major & 0xffffffffL;
        long mi = minor & 0xffffffffL;
        return ((ma & 0x00000fffL) << 8) | ((ma & 0xfffff000L) << 32)
                | (mi & 0x000000ffL) | ((mi & 0xffffff00L) << 12);
    }

    /** {@code major(3)} of a dev_t. */
    public static int major(long dev) {
        return (int) (((dev >>> 8) & 0x00000fffL) | ((dev >>> 32) & 0xfffff000L));
    }

    /** {@code minor(3)} of a dev_t. */
    public static int minor(long dev) {
        return (int) ((dev & 0x000000ffL) | ((dev >>> 12) & 0xffffff00L));
    }
}
