package fuse.channel.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Every struct size and the key offsets, as measured on Linux 6.18 x86_64 (include/uapi/linux/fuse.h). */
class StructLayoutTest {

    @Test
    void everyStructHasTheKernelsSize() {
        Map<StructLayout, Integer> sizes = Map.ofEntries(
                Map.entry(FuseInHeader.LAYOUT, 40), Map.entry(FuseOutHeader.LAYOUT, 16),
                Map.entry(FuseAttr.LAYOUT, 88), Map.entry(FuseEntryOut.LAYOUT, 128),
                Map.entry(FuseAttrOut.LAYOUT, 104), Map.entry(FuseGetattrIn.LAYOUT, 16),
                Map.entry(FuseSetattrIn.LAYOUT, 88), Map.entry(FuseOpenIn.LAYOUT, 8),
                Map.entry(FuseCreateIn.LAYOUT, 16), Map.entry(FuseOpenOut.LAYOUT, 16),
                Map.entry(FuseReadIn.LAYOUT, 40), Map.entry(FuseWriteIn.LAYOUT, 40),
                Map.entry(FuseWriteOut.LAYOUT, 8), Map.entry(FuseReleaseIn.LAYOUT, 24),
                Map.entry(FuseFlushIn.LAYOUT, 24), Map.entry(FuseFsyncIn.LAYOUT, 16),
                Map.entry(FuseMknodIn.LAYOUT, 16), Map.entry(FuseMkdirIn.LAYOUT, 8),
                Map.entry(FuseRenameIn.LAYOUT, 8), Map.entry(FuseRename2In.LAYOUT, 16),
                Map.entry(FuseLinkIn.LAYOUT, 8), Map.entry(FuseDirent.LAYOUT, 24),
                Map.entry(FuseDirentplus.LAYOUT, 152), Map.entry(FuseForgetIn.LAYOUT, 8),
                Map.entry(FuseBatchForgetIn.LAYOUT, 8), Map.entry(FuseForgetOne.LAYOUT, 16),
                Map.entry(FuseInterruptIn.LAYOUT, 8), Map.entry(FuseInitIn.LAYOUT, 64),
                Map.entry(FuseInitOut.LAYOUT, 64), Map.entry(FuseKstatfs.LAYOUT, 80),
                Map.entry(FuseStatfsOut.LAYOUT, 80), Map.entry(FuseSetxattrIn.LAYOUT, 16),
                Map.entry(FuseGetxattrIn.LAYOUT, 8), Map.entry(FuseGetxattrOut.LAYOUT, 8),
                Map.entry(FuseAccessIn.LAYOUT, 8), Map.entry(FuseLkIn.LAYOUT, 48),
                Map.entry(FuseLseekIn.LAYOUT, 24), Map.entry(FuseLseekOut.LAYOUT, 8),
                Map.entry(FuseFallocateIn.LAYOUT, 32), Map.entry(FuseCopyFileRangeIn.LAYOUT, 56),
                Map.entry(FuseCopyFileRangeOut.LAYOUT, 8), Map.entry(FusePollIn.LAYOUT, 24),
                Map.entry(FuseIoctlIn.LAYOUT, 32), Map.entry(FuseBmapIn.LAYOUT, 16),
                Map.entry(FuseStatxIn.LAYOUT, 24), Map.entry(FuseSyncfsIn.LAYOUT, 8),
                Map.entry(FuseSetupmappingIn.LAYOUT, 40), Map.entry(FuseRemovemappingIn.LAYOUT, 4),
                Map.entry(FuseNotifyRetrieveIn.LAYOUT, 40), Map.entry(FuseNotifyInvalInodeOut.LAYOUT, 24),
                Map.entry(FuseNotifyInvalEntryOut.LAYOUT, 16), Map.entry(FuseNotifyDeleteOut.LAYOUT, 24),
                Map.entry(FuseBackingMap.LAYOUT, 16), Map.entry(FuseExtHeader.LAYOUT, 8),
                Map.entry(FuseUringReqHeader.LAYOUT, 288), Map.entry(FuseUringCmdReq.LAYOUT, 24));
        sizes.forEach((layout, size) -> assertEquals((long) size, layout.byteSize(), layout.name().orElseThrow()));
    }

    @Test
    void headerOffsets() {
        assertOffsets(FuseInHeader.LAYOUT, "len", 0, "opcode", 4, "unique", 8, "nodeid", 16, "uid", 24, "gid", 28,
                "pid", 32, "totalExtlen", 36, "padding", 38);
        assertOffsets(FuseOutHeader.LAYOUT, "len", 0, "error", 4, "unique", 8);
    }

    @Test
    void ioUringOffsets() {
        assertOffsets(FuseUringReqHeader.LAYOUT, "inOut", 0, "opIn", 128, "flags", 256, "commitId", 264,
                "payloadSz", 272);
        assertOffsets(FuseUringCmdReq.LAYOUT, "flags", 0, "commitId", 8, "qid", 16);
    }

    @Test
    void attributeAndEntryOffsets() {
        assertOffsets(FuseAttr.LAYOUT, "ino", 0, "size", 8, "blocks", 16, "atime", 24, "mtime", 32, "ctime", 40,
                "atimensec", 48, "mtimensec", 52, "ctimensec", 56, "mode", 60, "nlink", 64, "uid", 68, "gid", 72,
                "rdev", 76, "blksize", 80, "flags", 84);
        assertOffsets(FuseEntryOut.LAYOUT, "nodeid", 0, "generation", 8, "entryValid", 16, "attrValid", 24,
                "entryValidNsec", 32, "attrValidNsec", 36, "attr", 40);
        assertOffsets(FuseAttrOut.LAYOUT, "attrValid", 0, "attrValidNsec", 8, "dummy", 12, "attr", 16);
        assertOffsets(FuseDirent.LAYOUT, "ino", 0, "off", 8, "namelen", 16, "type", 20);
        assertOffsets(FuseDirentplus.LAYOUT, "entryOut", 0, "dirent", 128);
        assertOffsets(FuseSetattrIn.LAYOUT, "valid", 0, "fh", 8, "size", 16, "lockOwner", 24, "atime", 32,
                "mtime", 40, "ctime", 48, "atimensec", 56, "mtimensec", 60, "ctimensec", 64, "mode", 68, "uid", 76,
                "gid", 80);
    }

    @Test
    void initAndPassthroughOffsets() {
        assertOffsets(FuseInitIn.LAYOUT, "major", 0, "minor", 4, "maxReadahead", 8, "flags", 12, "flags2", 16);
        assertOffsets(FuseInitOut.LAYOUT, "major", 0, "minor", 4, "maxReadahead", 8, "flags", 12,
                "maxBackground", 16, "congestionThreshold", 18, "maxWrite", 20, "timeGran", 24, "maxPages", 28,
                "mapAlignment", 30, "flags2", 32, "maxStackDepth", 36, "requestTimeout", 40);
        assertOffsets(FuseOpenOut.LAYOUT, "fh", 0, "openFlags", 8, "backingId", 12);
        assertOffsets(FuseBackingMap.LAYOUT, "fd", 0, "flags", 4, "padding", 8);
    }

    @Test
    void requestArgumentOffsets() {
        assertOffsets(FuseReadIn.LAYOUT, "fh", 0, "offset", 8, "size", 16, "readFlags", 20, "lockOwner", 24,
                "flags", 32);
        assertOffsets(FuseWriteIn.LAYOUT, "fh", 0, "offset", 8, "size", 16, "writeFlags", 20, "lockOwner", 24,
                "flags", 32);
        assertOffsets(FuseReleaseIn.LAYOUT, "fh", 0, "flags", 8, "releaseFlags", 12, "lockOwner", 16);
        assertOffsets(FuseFlushIn.LAYOUT, "fh", 0, "lockOwner", 16);
        assertOffsets(FuseCreateIn.LAYOUT, "flags", 0, "mode", 4, "umask", 8, "openFlags", 12);
        assertOffsets(FuseRename2In.LAYOUT, "newdir", 0, "flags", 8);
        assertOffsets(FuseLseekIn.LAYOUT, "fh", 0, "offset", 8, "whence", 16);
        assertOffsets(FuseFallocateIn.LAYOUT, "fh", 0, "offset", 8, "length", 16, "mode", 24);
        assertOffsets(FuseCopyFileRangeIn.LAYOUT, "fhIn", 0, "offIn", 8, "nodeidOut", 16, "fhOut", 24,
                "offOut", 32, "len", 40, "flags", 48);
        assertOffsets(FuseKstatfs.LAYOUT, "blocks", 0, "bfree", 8, "bavail", 16, "files", 24, "ffree", 32,
                "bsize", 40, "namelen", 44, "frsize", 48, "padding", 52);
        assertOffsets(FuseNotifyDeleteOut.LAYOUT, "parent", 0, "child", 8, "namelen", 16);
        assertOffsets(FuseNotifyInvalEntryOut.LAYOUT, "parent", 0, "namelen", 8, "flags", 12);
    }

    @Test
    void opcodeTableMatchesTheAbi() {
        assertEquals(51, FuseOpcode.values().length, "opcodes 1..53 of 7.45 but the unused 7 and 19");
        assertEquals(FuseOpcode.COPY_FILE_RANGE_64, FuseOpcode.of(53));
        assertEquals(null, FuseOpcode.of(7));
        assertEquals(null, FuseOpcode.of(19));
        assertEquals(null, FuseOpcode.of(4096));
        assertEquals(null, FuseOpcode.of(-1));
        assertEquals(40, FuseOpcode.READ.argSize(false));
        assertEquals(8, FuseOpcode.SETXATTR.argSize(false));
        assertEquals(16, FuseOpcode.SETXATTR.argSize(true));
        assertEquals(2, FuseOpcode.RENAME2.names());
        assertEquals(2, FuseOpcode.SYMLINK.names());
        assertEquals(true, FuseOpcode.FORGET.noReply());
        assertEquals(true, FuseOpcode.BATCH_FORGET.noReply());
        assertEquals(0x8004E500L, Integer.toUnsignedLong(FuseKernel.DEV_IOC_CLONE));
        assertEquals(0x4010E501L, Integer.toUnsignedLong(FuseKernel.DEV_IOC_BACKING_OPEN));
        assertEquals(0x4004E502L, Integer.toUnsignedLong(FuseKernel.DEV_IOC_BACKING_CLOSE));
    }

    private static void assertOffsets(StructLayout layout, Object... nameOffsetPairs) {
        for (int i = 0; i < nameOffsetPairs.length; i += 2) {
            String field = (String) nameOffsetPairs[i];
            long expected = ((Integer) nameOffsetPairs[i + 1]).longValue();
            assertEquals(expected, layout.byteOffset(PathElement.groupElement(field)),
                    layout.name().orElseThrow() + "." + field);
        }
    }
}
