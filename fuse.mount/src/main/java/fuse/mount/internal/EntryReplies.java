package fuse.mount.internal;

import fuse.api.Attributes;
import fuse.api.FileType;
import fuse.channel.EntryOut;

/** The entries the mount hands the kernel, with the mount's current cache timeouts. */
final class EntryReplies {
    /** The attributes of a negative entry: none (the kernel reads none when the node id is 0). */
    private static final Attributes NO_ATTRIBUTES = Attributes.builder(0, 0).build();

    private final ServedMount mount;

    EntryReplies(ServedMount mount) {
        this.mount = mount;
    }

    /** A registered node: the kernel counts one lookup of {@code record}. */
    EntryOut entry(NodeRecord record, Attributes attributes) {
        return new EntryOut(record.id, 0, mount.entryTimeoutNanos(), mount.attrTimeoutNanos(), attributes);
    }

    /**
     * A missing name the kernel may remember for the negative timeout (node id 0), or {@code null} when the mount
     * keeps no negative entries.
     */
    EntryOut negative() {
        long timeout = mount.negativeTimeoutNanos();
        return timeout == 0 ? null : new EntryOut(0, 0, timeout, 0, NO_ATTRIBUTES);
    }

    /** A READDIRPLUS entry that gives the kernel only the name (node id 0: nothing to cache or count). */
    static EntryOut nameOnly(long inode, FileType type) {
        int mode = type == null ? 0 : type.modeBits();
        return new EntryOut(0, 0, 0, 0, Attributes.builder(inode, mode).build());
    }
}
