package fuse.api;

/**
 * How the kernel should treat an open file, beyond passthrough. The mount drops the options the kernel does
 * not allow together with passthrough (only {@link #DIRECT_IO}, {@link #NOFLUSH} and
 * {@link #PARALLEL_DIRECT_WRITES} are) and counts what it dropped, except {@link #KEEP_CACHE}, which only
 * concerns opens served from the page cache.
 */
public enum OpenOption {
    /** Bypass the page cache: every read and write reaches the backend ({@code FOPEN_DIRECT_IO}). */
    DIRECT_IO,
    /**
     * Keep the page cache from an earlier open of this file ({@code FOPEN_KEEP_CACHE}); without it every open of
     * a Java-served file drops the file's cached pages. For files that change only through the mount, or whose
     * host-side changes may show after {@code attr_timeout}: the mount negotiates {@code FUSE_AUTO_INVAL_DATA},
     * so the kernel drops the pages when refreshed attributes show a new size or mtime. Meaningless (and left
     * out of the reply, uncounted) when the open passes through; a backend may ask for it on a passthrough wish
     * for the case that the open ends up served.
     */
    KEEP_CACHE,
    /** The file has no meaningful offset ({@code FOPEN_NONSEEKABLE}). */
    NONSEEKABLE,
    /** Do not send FLUSH on close ({@code FOPEN_NOFLUSH}). */
    NOFLUSH,
    /** Allow parallel direct writes to this file ({@code FOPEN_PARALLEL_DIRECT_WRITES}). */
    PARALLEL_DIRECT_WRITES,
    /** For directories: let the kernel cache the listing ({@code FOPEN_CACHE_DIR}). */
    CACHE_DIR
}
