package fuse.api;

/** {@code statfs(2)} of the file system behind a mount. */
public record FileSystemStats(
        long blocks,
        long freeBlocks,
        long availableBlocks,
        long files,
        long freeFiles,
        int blockSize,
        int maxNameLength,
        int fragmentSize) {
}
