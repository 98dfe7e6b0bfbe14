package fuse.api;

/**
 * The attributes of a file, as {@code stat(2)} reports them and as the kernel caches them ({@code fuse_attr}).
 * Times are seconds and nanoseconds since the epoch, also as {@link TimeSpec}s ({@link #atime()}...).
 *
 * <p>Build one by name rather than by position: {@code Attributes.builder(inode, mode).size(n).blocks(b)
 * .times(t).linkCount(1).owner(uid, gid).blockSize(4096).build()}; what is not set is 0. The canonical
 * constructor stays for code that copies a {@code struct stat} field by field.
 */
public record Attributes(
        long inode,
        long size,
        long blocks,
        long atimeSeconds, int atimeNanos,
        long mtimeSeconds, int mtimeNanos,
        long ctimeSeconds, int ctimeNanos,
        int mode,
        int linkCount,
        int uid,
        int gid,
        long rdev,
        int blockSize) {

    /** A builder for the attributes of the file {@code inode} with type and permission bits {@code mode}. */
    public static Builder builder(long inode, int mode) {
        return new Builder(inode, mode);
    }

    /** A builder that starts from these attributes, to derive others (another inode, link count...). */
    public Builder toBuilder() {
        return new Builder(inode, mode).size(size).blocks(blocks).atime(atime()).mtime(mtime()).ctime(ctime())
                .linkCount(linkCount).owner(uid, gid).rdev(rdev).blockSize(blockSize);
    }

    /** Last access. */
    public TimeSpec atime() {
        return new TimeSpec(atimeSeconds, atimeNanos);
    }

    /** Last change of the content. */
    public TimeSpec mtime() {
        return new TimeSpec(mtimeSeconds, mtimeNanos);
    }

    /** Last change of the attributes or the content. */
    public TimeSpec ctime() {
        return new TimeSpec(ctimeSeconds, ctimeNanos);
    }

    /** The file type encoded in {@link #mode()}, or {@code null} for an unknown type. */
    public FileType type() {
        return FileType.ofMode(mode);
    }

    /** The permission bits, including set-user-ID, set-group-ID and sticky. */
    public int permissions() {
        return mode & 07777;
    }

    public boolean isDirectory() {
        return type() == FileType.DIRECTORY;
    }

    public boolean isRegularFile() {
        return type() == FileType.REGULAR;
    }

    /** {@link Attributes} by name; every value not set is 0 (the epoch for times). */
    public static final class Builder {
        private static final TimeSpec EPOCH = new TimeSpec(0, 0);

        private long inode;
        private final int mode;
        private long size;
        private long blocks;
        private TimeSpec atime = EPOCH;
        private TimeSpec mtime = EPOCH;
        private TimeSpec ctime = EPOCH;
        private int linkCount;
        private int uid;
        private int gid;
        private long rdev;
        private int blockSize;

        private Builder(long inode, int mode) {
            this.inode = inode;
            this.mode = mode;
        }

        public Builder inode(long value) {
            inode = value;
            return this;
        }

        /** Size in bytes. */
        public Builder size(long value) {
            size = value;
            return this;
        }

        /** Allocated 512-byte blocks. */
        public Builder blocks(long value) {
            blocks = value;
            return this;
        }

        /** Access, modification and change time alike. */
        public Builder times(TimeSpec value) {
            return atime(value).mtime(value).ctime(value);
        }

        public Builder atime(TimeSpec value) {
            atime = checked(value);
            return this;
        }

        public Builder mtime(TimeSpec value) {
            mtime = checked(value);
            return this;
        }

        public Builder ctime(TimeSpec value) {
            ctime = checked(value);
            return this;
        }

        public Builder linkCount(int value) {
            linkCount = value;
            return this;
        }

        public Builder owner(int newUid, int newGid) {
            uid = newUid;
            gid = newGid;
            return this;
        }

        /** The device a character or block device file stands for. */
        public Builder rdev(long value) {
            rdev = value;
            return this;
        }

        /** The preferred I/O size ({@code st_blksize}). */
        public Builder blockSize(int value) {
            blockSize = value;
            return this;
        }

        public Attributes build() {
            return new Attributes(inode, size, blocks, atime.seconds(), atime.nanos(), mtime.seconds(), mtime.nanos(),
                    ctime.seconds(), ctime.nanos(), mode, linkCount, uid, gid, rdev, blockSize);
        }

        /** {@link TimeSpec#NOW} asks a backend to stamp a time; a file's attributes carry the time itself. */
        private static TimeSpec checked(TimeSpec time) {
            if (time.isNow()) {
                throw new IllegalArgumentException("an attribute time is a point in time, not TimeSpec.NOW");
            }
            return time;
        }
    }
}
