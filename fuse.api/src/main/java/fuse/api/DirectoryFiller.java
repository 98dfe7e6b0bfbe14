package fuse.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Receives directory entries from {@link FileSystem#readdir}. The mount encodes each entry straight into the
 * reply; when the reply is full, {@link #add} returns {@code false} and the backend stops: the kernel asks again
 * from the last accepted entry's {@code nextOffset}.
 */
@ProviderType
@FunctionalInterface
public interface DirectoryFiller {
    /**
     * @param name the entry's name ({@code "."} and {@code ".."} included where the backend lists them)
     * @param inode the inode number to report ({@code d_ino})
     * @param type the entry's type, or {@code null} if unknown ({@code DT_UNKNOWN})
     * @param nextOffset the offset that resumes the listing after this entry: stable across concurrent changes
     *        of the directory, never 0
     * @return {@code false} when the reply is full and this entry was not taken
     */
    boolean add(String name, long inode, FileType type, long nextOffset);
}
