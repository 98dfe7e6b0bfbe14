package fuse.channel.internal;

import java.lang.foreign.MemorySegment;

import fuse.api.Attributes;
import fuse.api.FileSystemStats;
import fuse.channel.EntryOut;
import fuse.channel.kernel.FuseAttr;
import fuse.channel.kernel.FuseAttrOut;
import fuse.channel.kernel.FuseEntryOut;
import fuse.channel.kernel.FuseKstatfs;

/** Writes the reply structs that carry Java records: {@code fuse_attr}, {@code fuse_entry_out}, statfs. */
final class Encoders {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private Encoders() {
    }

    static void attr(MemorySegment s, long at, Attributes a) {
        FuseAttr.INO.set(s, at, a.inode());
        FuseAttr.SIZE.set(s, at, a.size());
        FuseAttr.BLOCKS.set(s, at, a.blocks());
        FuseAttr.ATIME.set(s, at, a.atimeSeconds());
        FuseAttr.MTIME.set(s, at, a.mtimeSeconds());
        FuseAttr.CTIME.set(s, at, a.ctimeSeconds());
        FuseAttr.ATIMENSEC.set(s, at, a.atimeNanos());
        FuseAttr.MTIMENSEC.set(s, at, a.mtimeNanos());
        FuseAttr.CTIMENSEC.set(s, at, a.ctimeNanos());
        FuseAttr.MODE.set(s, at, a.mode());
        FuseAttr.NLINK.set(s, at, a.linkCount());
        FuseAttr.UID.set(s, at, a.uid());
        FuseAttr.GID.set(s, at, a.gid());
        // fuse_attr.rdev is the kernel's 32-bit new_encode_dev form: the low half of a glibc dev_t, exactly, for
        // majors below 4096 and minors below 2^20 (every device number Linux hands out in practice).
        FuseAttr.RDEV.set(s, at, (int) a.rdev());
        FuseAttr.BLKSIZE.set(s, at, a.blockSize());
        FuseAttr.FLAGS.set(s, at, 0);
    }

    static void attrOut(MemorySegment s, long at, Attributes a, long validNanos) {
        long valid = Math.max(0, validNanos);
        FuseAttrOut.ATTR_VALID.set(s, at, valid / NANOS_PER_SECOND);
        FuseAttrOut.ATTR_VALID_NSEC.set(s, at, (int) (valid % NANOS_PER_SECOND));
        FuseAttrOut.DUMMY.set(s, at, 0);
        attr(s, at + FuseAttrOut.ATTR, a);
    }

    /** An entry with node id 0 and no attributes is written as zeros: "no entry to cache". */
    static void entryOut(MemorySegment s, long at, EntryOut e) {
        long entryValid = Math.max(0, e.entryValidNanos());
        long attrValid = Math.max(0, e.attrValidNanos());
        FuseEntryOut.NODEID.set(s, at, e.nodeId());
        FuseEntryOut.GENERATION.set(s, at, e.generation());
        FuseEntryOut.ENTRY_VALID.set(s, at, entryValid / NANOS_PER_SECOND);
        FuseEntryOut.ATTR_VALID.set(s, at, attrValid / NANOS_PER_SECOND);
        FuseEntryOut.ENTRY_VALID_NSEC.set(s, at, (int) (entryValid % NANOS_PER_SECOND));
        FuseEntryOut.ATTR_VALID_NSEC.set(s, at, (int) (attrValid % NANOS_PER_SECOND));
        if (e.attributes() == null) {
            s.asSlice(at + FuseEntryOut.ATTR, FuseAttr.BYTES).fill((byte) 0);
        } else {
            attr(s, at + FuseEntryOut.ATTR, e.attributes());
        }
    }

    static void statfs(MemorySegment s, long at, FileSystemStats st) {
        s.asSlice(at, FuseKstatfs.BYTES).fill((byte) 0); // padding and spare[6]
        FuseKstatfs.BLOCKS.set(s, at, st.blocks());
        FuseKstatfs.BFREE.set(s, at, st.freeBlocks());
        FuseKstatfs.BAVAIL.set(s, at, st.availableBlocks());
        FuseKstatfs.FILES.set(s, at, st.files());
        FuseKstatfs.FFREE.set(s, at, st.freeFiles());
        FuseKstatfs.BSIZE.set(s, at, st.blockSize());
        FuseKstatfs.NAMELEN.set(s, at, st.maxNameLength());
        FuseKstatfs.FRSIZE.set(s, at, st.fragmentSize());
    }
}
