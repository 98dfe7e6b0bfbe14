package fuse.channel.internal;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;

import fuse.channel.DirectoryReply;
import fuse.channel.EntryOut;
import fuse.channel.kernel.FuseDirent;
import fuse.channel.kernel.FuseDirentplus;
import fuse.channel.kernel.FuseKernel;

/**
 * READDIR/READDIRPLUS entries encoded in place after the out header of the reader's write buffer: each record is
 * {@code fuse_dirent} (or {@code fuse_direntplus}) plus the name, zero-padded to 8 bytes. Reused per request.
 */
final class DirectoryEncoder implements DirectoryReply {
    private final KernelReply reply;
    private final MemorySegment out;
    private boolean plus;
    private long position;
    private long end;

    DirectoryEncoder(KernelReply reply, MemorySegment out) {
        this.reply = reply;
        this.out = out;
    }

    void begin(boolean plusRequest, int size) {
        this.plus = plusRequest;
        this.position = KernelReply.PAYLOAD;
        this.end = KernelReply.PAYLOAD + (long) size;
    }

    @Override
    public boolean plus() {
        return plus;
    }

    @Override
    public boolean fits(String name) {
        return position + recordSize(plus ? FuseDirentplus.BYTES : FuseDirent.BYTES, Utf8.length(name)) <= end;
    }

    @Override
    public boolean add(long inode, long nextOffset, int direntType, String name) {
        if (plus) {
            throw new IllegalStateException("READDIRPLUS takes addPlus entries");
        }
        int nameLength = checkedLength(name);
        long size = recordSize(FuseDirent.BYTES, nameLength);
        if (position + size > end) {
            return false;
        }
        dirent(position, inode, nextOffset, direntType, name, nameLength, size);
        position += size;
        return true;
    }

    @Override
    public boolean add(long inode, long nextOffset, int direntType, MemorySegment name) {
        if (plus) {
            throw new IllegalStateException("READDIRPLUS takes addPlus entries");
        }
        int nameLength = checkedLength(name.byteSize());
        long size = recordSize(FuseDirent.BYTES, nameLength);
        if (position + size > end) {
            return false;
        }
        header(position, inode, nextOffset, direntType, nameLength);
        long nameAt = position + FuseDirent.BYTES;
        MemorySegment.copy(name, 0, out, nameAt, nameLength);
        pad(nameAt + nameLength, position + size);
        position += size;
        return true;
    }

    @Override
    public boolean addPlus(EntryOut entry, long nextOffset, int direntType, String name) {
        if (!plus) {
            throw new IllegalStateException("READDIR takes add entries");
        }
        int nameLength = checkedLength(name);
        long size = recordSize(FuseDirentplus.BYTES, nameLength);
        if (position + size > end) {
            return false;
        }
        if (entry.nodeId() != 0 && entry.attributes() == null) {
            // The kernel would take a lookup reference the handler could not describe.
            throw new IllegalArgumentException("a READDIRPLUS entry with node id " + entry.nodeId()
                    + " needs attributes");
        }
        long inode = entry.attributes() == null ? 0 : entry.attributes().inode();
        if (entry.nodeId() == 0) {
            // The kernel lists the name only and caches nothing for it.
            out.asSlice(position + FuseDirentplus.ENTRY_OUT, FuseDirentplus.DIRENT).fill((byte) 0);
        } else {
            Encoders.entryOut(out, position + FuseDirentplus.ENTRY_OUT, entry);
        }
        dirent(position + FuseDirentplus.DIRENT, inode, nextOffset, direntType, name, nameLength,
                size - FuseDirentplus.DIRENT);
        position += size;
        return true;
    }

    @Override
    public void send() {
        reply.sendDirectory((int) (position - KernelReply.PAYLOAD));
    }

    private void dirent(long at, long inode, long nextOffset, int type, String name, int nameLength, long size) {
        header(at, inode, nextOffset, type, nameLength);
        long nameAt = at + FuseDirent.BYTES;
        Utf8.encode(name, out, nameAt);
        pad(nameAt + nameLength, at + size);
    }

    private void header(long at, long inode, long nextOffset, int type, int nameLength) {
        FuseDirent.INO.set(out, at, inode);
        FuseDirent.OFF.set(out, at, nextOffset);
        FuseDirent.NAMELEN.set(out, at, nameLength);
        FuseDirent.TYPE.set(out, at, type);
    }

    /** Zeroes {@code [from, to)}: the record's padding to 8 bytes. */
    private void pad(long from, long to) {
        for (long at = from; at < to; at++) {
            out.set(JAVA_BYTE, at, (byte) 0);
        }
    }

    private static int checkedLength(String name) {
        return checkedLength(Utf8.length(name));
    }

    private static int checkedLength(long length) {
        if (length == 0 || length > FuseKernel.NAME_MAX) {
            throw new IllegalArgumentException("directory entry name of " + length + " bytes");
        }
        return (int) length;
    }

    private static long recordSize(int fixed, int nameLength) {
        int align = FuseKernel.DIRENT_ALIGN;
        return (fixed + nameLength + align - 1) & -align;
    }
}
