package fuse.channel.internal;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import fuse.channel.DirectoryReply;
import fuse.channel.EntryOut;
import fuse.channel.kernel.FuseDirent;
import fuse.channel.kernel.FuseDirentplus;
import fuse.channel.kernel.FuseKernel;
import fuse.posix.FileNames;

/**
 * READDIR/READDIRPLUS entries encoded after the out header of the reader's write buffer: each record is
 * {@code fuse_dirent} (or {@code fuse_direntplus}) plus the name, zero-padded to 8 bytes. Reused per request.
 *
 * <p>A READDIR reply is put together in a heap array and copied into the write buffer once, at {@link #send}:
 * a fresh JVM encodes its first listing of a big directory in the interpreter, where writing a native segment
 * field by field costs a chain of var handle calls per field (four per entry, plus the padding), and plain array
 * writes a few bytecodes. READDIRPLUS entries, whose cost is their lookups, are written in place.
 */
final class DirectoryEncoder implements DirectoryReply {
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    private static final int INO = offset("ino");
    private static final int OFF = offset("off");
    private static final int NAMELEN = offset("namelen");
    private static final int TYPE = offset("type");

    /**
     * The READDIR sizes staged without growing: what the kernel asks for {@code ls}, {@code find} or Python's
     * listdir (glibc reads directories 32 KiB at a time). A buffer grown at each encoder's first listing was a
     * branch the compiled READDIR path had not seen taken (each reader or ring entry met it at its own first
     * listing, at any time), so C2 compiled that path again in the middle of a later tree walk.
     */
    private static final int STAGED = 32 * 1024;

    private final KernelReply reply;
    private final MemorySegment out;
    /** The READDIR reply being put together: its bytes from {@link KernelReply#PAYLOAD} on. */
    private byte[] staged;
    private boolean plus;
    private long position;
    private long end;

    DirectoryEncoder(KernelReply reply, MemorySegment out) {
        this.reply = reply;
        this.out = out;
        this.staged = new byte[(int) Math.max(0, Math.min(STAGED, out.byteSize() - KernelReply.PAYLOAD))];
    }

    void begin(boolean plusRequest, int size) {
        this.plus = plusRequest;
        this.position = KernelReply.PAYLOAD;
        this.end = KernelReply.PAYLOAD + (long) size;
        if (!plusRequest && staged.length < size) {
            staged = new byte[size];
        }
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
        int at = stagedRecord(inode, nextOffset, direntType, nameLength);
        if (at < 0) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 0x80) { // not ASCII: UTF-8, or a byte FileNames escaped
                System.arraycopy(FileNames.encode(name), 0, staged, at, nameLength);
                return true;
            }
            staged[at + i] = (byte) c;
        }
        return true;
    }

    @Override
    public boolean add(long inode, long nextOffset, int direntType, MemorySegment name) {
        if (plus) {
            throw new IllegalStateException("READDIRPLUS takes addPlus entries");
        }
        int nameLength = checkedLength(name.byteSize());
        int at = stagedRecord(inode, nextOffset, direntType, nameLength);
        if (at < 0) {
            return false;
        }
        MemorySegment.copy(name, JAVA_BYTE, 0, staged, at, nameLength);
        return true;
    }

    /**
     * Adds a READDIR record to {@link #staged}: its header and padding; the caller writes the name where the
     * answer says. -1 when it does not fit.
     */
    private int stagedRecord(long inode, long nextOffset, int type, int nameLength) {
        long size = recordSize(FuseDirent.BYTES, nameLength);
        if (position + size > end) {
            return -1;
        }
        int at = (int) (position - KernelReply.PAYLOAD);
        putLong(at + INO, inode);
        putLong(at + OFF, nextOffset);
        putInt(at + NAMELEN, nameLength);
        putInt(at + TYPE, type);
        int nameAt = at + FuseDirent.BYTES;
        for (int i = nameAt + nameLength; i < at + size; i++) {
            staged[i] = 0;
        }
        position += size;
        return nameAt;
    }

    /** Writes {@code value} at {@code at} of {@link #staged} in native byte order, byte by byte (no var handle). */
    private void putLong(int at, long value) {
        putInt(at + (LITTLE_ENDIAN ? 0 : 4), (int) value);
        putInt(at + (LITTLE_ENDIAN ? 4 : 0), (int) (value >>> 32));
    }

    private void putInt(int at, int value) {
        for (int i = 0; i < 4; i++) {
            staged[at + (LITTLE_ENDIAN ? i : 3 - i)] = (byte) (value >>> (8 * i));
        }
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
        reply.sendDirectory(finish());
    }

    /** Puts the reply in the write buffer: the length of its entries. */
    int finish() {
        int length = (int) (position - KernelReply.PAYLOAD);
        if (!plus) {
            MemorySegment.copy(staged, 0, out, JAVA_BYTE, KernelReply.PAYLOAD, length);
        }
        return length;
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

    private static int offset(String field) {
        return (int) FuseDirent.LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement(field));
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

    /** A directory entry's bytes in a reply: its fixed part and name, padded to {@link FuseKernel#DIRENT_ALIGN}. */
    static long recordSize(int fixed, int nameLength) {
        int align = FuseKernel.DIRENT_ALIGN;
        return (fixed + nameLength + align - 1) & -align;
    }
}
