package fuse.passthrough;

/**
 * What the mount knows about a kernel node, for listings and log messages.
 *
 * @param path the node's path inside the mount ({@code /a/b}), or {@code null} if unknown (e.g. unlinked)
 * @param inode the backend's inode number, or -1 if unknown
 */
public record NodeDescription(String path, long inode) {
    public static final NodeDescription UNKNOWN = new NodeDescription(null, -1);

    @Override
    public String toString() {
        return path != null ? path : inode >= 0 ? "inode " + inode : "unknown file";
    }
}
