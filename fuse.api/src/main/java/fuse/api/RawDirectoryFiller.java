package fuse.api;

import java.lang.foreign.MemorySegment;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A {@link DirectoryFiller} that also takes an entry's name as bytes. The mount's fillers are; a backend that
 * relays a host directory's listing checks for this and hands over each name as {@code getdents64} left it,
 * sparing a {@code String} that the mount would only encode back into the same bytes (for a large directory, most
 * of the Java time of a listing).
 */
@ProviderType
public interface RawDirectoryFiller extends DirectoryFiller {
    /**
     * {@link #add(String, long, FileType, long)} with the name as bytes.
     *
     * @param name the name's bytes: 1 to 255, neither {@code '/'} nor NUL (any other bytes, UTF-8 or not); read
     *        during the call only
     */
    boolean addRaw(MemorySegment name, long inode, FileType type, long nextOffset);
}
