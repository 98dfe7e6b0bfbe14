package fuse.api;

/** The file type bits of {@code st_mode} ({@code S_IFMT}), with the matching {@code DT_*} directory-entry type. */
public enum FileType {
    FIFO(0010000, 1),
    CHARACTER_DEVICE(0020000, 2),
    DIRECTORY(0040000, 4),
    BLOCK_DEVICE(0060000, 6),
    REGULAR(0100000, 8),
    SYMLINK(0120000, 10),
    SOCKET(0140000, 12);

    /** The mask of the type bits in a mode. */
    public static final int S_IFMT = 0170000;

    private final int modeBits;
    private final int direntType;

    FileType(int modeBits, int direntType) {
        this.modeBits = modeBits;
        this.direntType = direntType;
    }

    /** The {@code S_IF*} bits of this type. */
    public int modeBits() {
        return modeBits;
    }

    /** The {@code DT_*} value a directory entry of this type carries. */
    public int direntType() {
        return direntType;
    }

    /** The type encoded in a full mode, or {@code null} when the type bits name no known type. */
    public static FileType ofMode(int mode) {
        int bits = mode & S_IFMT;
        for (FileType type : values()) {
            if (type.modeBits == bits) {
                return type;
            }
        }
        return null;
    }
}
