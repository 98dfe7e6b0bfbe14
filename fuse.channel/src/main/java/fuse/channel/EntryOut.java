package fuse.channel;

import fuse.api.Attributes;

/**
 * A {@code fuse_entry_out}: a name resolved to a kernel node. A {@code nodeId} of 0 is a negative entry (the
 * kernel caches "no such name" for {@code entryValidNanos}).
 */
public record EntryOut(long nodeId, long generation, long entryValidNanos, long attrValidNanos,
        Attributes attributes) {
}
