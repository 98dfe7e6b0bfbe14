package fuse.posix;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import fuse.api.Attributes;
import fuse.api.FileSystemStats;

/**
 * The kernel structs the file calls exchange, as x86_64 {@link MemoryLayout}s (sizes and offsets checked against
 * gcc's in {@code StructsTest}), with the offsets the decoders read.
 */
final class Structs {
    private Structs() {
    }

    static final StructLayout TIMESPEC = MemoryLayout.structLayout(
            JAVA_LONG.withName("tv_sec"),
            JAVA_LONG.withName("tv_nsec"));

    /** {@code struct stat} of x86_64 (asm/stat.h), 144 bytes. */
    static final StructLayout STAT = MemoryLayout.structLayout(
            JAVA_LONG.withName("st_dev"),
            JAVA_LONG.withName("st_ino"),
            JAVA_LONG.withName("st_nlink"),
            JAVA_INT.withName("st_mode"),
            JAVA_INT.withName("st_uid"),
            JAVA_INT.withName("st_gid"),
            JAVA_INT.withName("__pad0"),
            JAVA_LONG.withName("st_rdev"),
            JAVA_LONG.withName("st_size"),
            JAVA_LONG.withName("st_blksize"),
            JAVA_LONG.withName("st_blocks"),
            TIMESPEC.withName("st_atim"),
            TIMESPEC.withName("st_mtim"),
            TIMESPEC.withName("st_ctim"),
            MemoryLayout.sequenceLayout(3, JAVA_LONG).withName("__unused"));

    /** {@code struct statfs} of x86_64, 120 bytes. */
    static final StructLayout STATFS = MemoryLayout.structLayout(
            JAVA_LONG.withName("f_type"),
            JAVA_LONG.withName("f_bsize"),
            JAVA_LONG.withName("f_blocks"),
            JAVA_LONG.withName("f_bfree"),
            JAVA_LONG.withName("f_bavail"),
            JAVA_LONG.withName("f_files"),
            JAVA_LONG.withName("f_ffree"),
            MemoryLayout.sequenceLayout(2, JAVA_INT).withName("f_fsid"),
            JAVA_LONG.withName("f_namelen"),
            JAVA_LONG.withName("f_frsize"),
            JAVA_LONG.withName("f_flags"),
            MemoryLayout.sequenceLayout(4, JAVA_LONG).withName("f_spare"));

    /** {@code struct open_how} of openat2(2), 24 bytes. */
    static final StructLayout OPEN_HOW = MemoryLayout.structLayout(
            JAVA_LONG.withName("flags"),
            JAVA_LONG.withName("mode"),
            JAVA_LONG.withName("resolve"));

    /** The fixed head of {@code struct linux_dirent64}; the NUL-terminated name follows at 19. */
    static final StructLayout DIRENT64 = MemoryLayout.structLayout(
            JAVA_LONG.withName("d_ino"),
            JAVA_LONG.withName("d_off"),
            JAVA_SHORT.withName("d_reclen"),
            JAVA_BYTE.withName("d_type"));

    static final long ST_DEV = off(STAT, "st_dev");
    static final long ST_INO = off(STAT, "st_ino");
    static final long ST_NLINK = off(STAT, "st_nlink");
    static final long ST_MODE = off(STAT, "st_mode");
    static final long ST_UID = off(STAT, "st_uid");
    static final long ST_GID = off(STAT, "st_gid");
    static final long ST_RDEV = off(STAT, "st_rdev");
    static final long ST_SIZE = off(STAT, "st_size");
    static final long ST_BLKSIZE = off(STAT, "st_blksize");
    static final long ST_BLOCKS = off(STAT, "st_blocks");
    static final long ST_ATIM = off(STAT, "st_atim");
    static final long ST_MTIM = off(STAT, "st_mtim");
    static final long ST_CTIM = off(STAT, "st_ctim");

    static final long F_TYPE = off(STATFS, "f_type");
    static final long F_BSIZE = off(STATFS, "f_bsize");
    static final long F_BLOCKS = off(STATFS, "f_blocks");
    static final long F_BFREE = off(STATFS, "f_bfree");
    static final long F_BAVAIL = off(STATFS, "f_bavail");
    static final long F_FILES = off(STATFS, "f_files");
    static final long F_FFREE = off(STATFS, "f_ffree");
    static final long F_NAMELEN = off(STATFS, "f_namelen");
    static final long F_FRSIZE = off(STATFS, "f_frsize");

    static final long HOW_FLAGS = off(OPEN_HOW, "flags");
    static final long HOW_MODE = off(OPEN_HOW, "mode");
    static final long HOW_RESOLVE = off(OPEN_HOW, "resolve");

    static final long D_INO = off(DIRENT64, "d_ino");
    static final long D_OFF = off(DIRENT64, "d_off");
    static final long D_RECLEN = off(DIRENT64, "d_reclen");
    static final long D_TYPE = off(DIRENT64, "d_type");
    static final long D_NAME = DIRENT64.byteSize();

    private static long off(StructLayout layout, String field) {
        return layout.byteOffset(groupElement(field));
    }

    /** The stat(2) result in {@code stat}, a heap copy of {@link #STAT} ({@link HeapBytes}: why). */
    static FileStat fileStat(byte[] stat) {
        return new FileStat(HeapBytes.getLong(stat, (int) ST_DEV), new Attributes(
                HeapBytes.getLong(stat, (int) ST_INO),
                HeapBytes.getLong(stat, (int) ST_SIZE),
                HeapBytes.getLong(stat, (int) ST_BLOCKS),
                HeapBytes.getLong(stat, (int) ST_ATIM), (int) HeapBytes.getLong(stat, (int) ST_ATIM + 8),
                HeapBytes.getLong(stat, (int) ST_MTIM), (int) HeapBytes.getLong(stat, (int) ST_MTIM + 8),
                HeapBytes.getLong(stat, (int) ST_CTIM), (int) HeapBytes.getLong(stat, (int) ST_CTIM + 8),
                HeapBytes.getInt(stat, (int) ST_MODE),
                (int) Math.min(Integer.MAX_VALUE, HeapBytes.getLong(stat, (int) ST_NLINK)),
                HeapBytes.getInt(stat, (int) ST_UID),
                HeapBytes.getInt(stat, (int) ST_GID),
                HeapBytes.getLong(stat, (int) ST_RDEV),
                (int) HeapBytes.getLong(stat, (int) ST_BLKSIZE)));
    }

    static FileSystemStats fileSystemStats(MemorySegment statfs) {
        return new FileSystemStats(
                statfs.get(JAVA_LONG, F_BLOCKS),
                statfs.get(JAVA_LONG, F_BFREE),
                statfs.get(JAVA_LONG, F_BAVAIL),
                statfs.get(JAVA_LONG, F_FILES),
                statfs.get(JAVA_LONG, F_FFREE),
                (int) statfs.get(JAVA_LONG, F_BSIZE),
                (int) statfs.get(JAVA_LONG, F_NAMELEN),
                (int) statfs.get(JAVA_LONG, F_FRSIZE));
    }
}
