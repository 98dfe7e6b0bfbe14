package fuse.channel;

import java.lang.foreign.MemorySegment;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Directory entries encoded straight into the reply buffer ({@code fuse_dirent} or {@code fuse_direntplus},
 * each padded to 8 bytes), up to the size the kernel asked for. Obtained from {@link Reply#directory()}; ends
 * with {@link #send()}, which is the request's one reply.
 */
@ProviderType
public interface DirectoryReply {
    /** Whether this is a READDIRPLUS reply ({@link #addPlus}) or a READDIR reply ({@link #add}). */
    boolean plus();

    /** Whether an entry named {@code name} would still fit: check before doing a lookup for it. */
    boolean fits(String name);

    /** Adds a READDIR entry; {@code false} if it does not fit (nothing was added). */
    boolean add(long inode, long nextOffset, int direntType, String name);

    /**
     * {@link #add(long, long, int, String)} with the name as bytes (neither {@code '/'} nor NUL), copied as they
     * are: for names relayed from a host listing.
     */
    boolean add(long inode, long nextOffset, int direntType, MemorySegment name);

    /**
     * Adds a READDIRPLUS entry; {@code false} if it does not fit. An {@code entry} with node id 0 adds the name
     * without an entry for the kernel to cache (used for "." and "..", and where a lookup raced a removal).
     */
    boolean addPlus(EntryOut entry, long nextOffset, int direntType, String name);

    /** Sends what was added (nothing added = end of directory). */
    void send();
}
