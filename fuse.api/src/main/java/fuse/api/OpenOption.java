package fuse.api;

/**
 * How the kernel should treat an open file, beyond passthrough. The mount drops the options the kernel does
 * not allow together with passthrough (only {@link #DIRECT_IO}, {@link #NOFLUSH} and
 * {@link #PARALLEL_DIRECT_WRITES} are) and counts what it dropped.
 */
public enum OpenOption {
    /** Bypass the page cache: every read and write reaches the backend ({@code FOPEN_DIRECT_IO}). */
    DIRECT_IO,
    /** Keep the page cache from an earlier open of this file ({@code FOPEN_KEEP_CACHE}). */
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
