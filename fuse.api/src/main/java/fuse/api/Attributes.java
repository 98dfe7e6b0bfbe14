package fuse.api;

/**
 * The attributes of a file, as {@code stat(2)} reports them and as the kernel caches them ({@code fuse_attr}).
 * Times are seconds and nanoseconds since the epoch.
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
}
