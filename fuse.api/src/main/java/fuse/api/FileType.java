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
    /** {@code values()} copies its array on every call: these run per directory entry and per lookup. */
    private static final FileType[] BY_MODE = new FileType[16];
    private static final FileType[] BY_DIRENT_TYPE = new FileType[16];

    static {
        for (FileType type : values()) {
            BY_MODE[type.modeBits >>> 12] = type;
            BY_DIRENT_TYPE[type.direntType] = type;
        }
    }

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
        return BY_MODE[(mode & S_IFMT) >>> 12];
    }

    /**
     * The type a directory entry's {@code d_type} names, or {@code null} for {@code DT_UNKNOWN} (0) and values
     * that name no known type.
     *
     * @since 1.3
     */
    public static FileType ofDirentType(int direntType) {
        return direntType >= 0 && direntType < BY_DIRENT_TYPE.length ? BY_DIRENT_TYPE[direntType] : null;
    }
}
