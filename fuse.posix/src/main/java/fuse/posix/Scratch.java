package fuse.posix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import fuse.api.Errno;

/**
 * Per-thread native memory for the arguments and results of the file calls: two path slots, a stat, a statfs,
 * an open_how, two timespecs, a few longs and a file handle, and a heap array to stage them in. A wrapper fills
 * the slots, makes its call and decodes the result before it returns, and never calls another wrapper in between,
 * so one set per thread is enough and a call allocates no native memory.
 */
final class Scratch {
    /** PATH_MAX including the NUL: a longer string would fail with ENAMETOOLONG in the kernel anyway. */
    static final int STRING_SLOT = Linux.PATH_MAX;

    private static final ThreadLocal<Scratch> CURRENT = ThreadLocal.withInitial(Scratch::new);

    final MemorySegment path0;
    final MemorySegment path1;
    final MemorySegment stat;
    final MemorySegment statfs;
    final MemorySegment openHow;
    final MemorySegment times;
    final MemorySegment longs;
    /** A {@code struct file_handle} of the largest size ({@link Linux#MAX_HANDLE_SZ}). */
    final MemorySegment fileHandle;
    /**
     * Where strings and structs are put together or decoded before or after one bulk copy to or from native memory
     * ({@link HeapBytes}: why); as large as a path slot, which is the largest.
     */
    final byte[] heap = new byte[STRING_SLOT];

    private Scratch() {
        Arena arena = Arena.ofAuto();
        path0 = arena.allocate(STRING_SLOT, 8);
        path1 = arena.allocate(STRING_SLOT, 8);
        stat = arena.allocate(Structs.STAT);
        statfs = arena.allocate(Structs.STATFS);
        openHow = arena.allocate(Structs.OPEN_HOW);
        times = arena.allocate(Structs.TIMESPEC, 2);
        longs = arena.allocate(ValueLayout.JAVA_LONG, 4);
        fileHandle = arena.allocate(HostHandle.HEADER_BYTES + Linux.MAX_HANDLE_SZ, 8);
    }

    static Scratch get() {
        return CURRENT.get();
    }

    /**
     * Copies {@code s} as a NUL-terminated UTF-8 string into path slot 0 or 1 ({@link #path0}, {@link #path1}).
     *
     * @throws PosixException EINVAL for an embedded NUL (C would silently cut the string there: "a\0/../b" must
     *         not become "a"), ENAMETOOLONG when it does not fit
     */
    MemorySegment cString(int slotNumber, String s, String call) throws PosixException {
        MemorySegment slot = slotNumber == 0 ? path0 : path1;
        int length = s.length();
        if (length < STRING_SLOT) {
            boolean ascii = true;
            for (int i = 0; i < length; i++) {
                char c = s.charAt(i);
                if (c == 0) {
                    throw new PosixException(Errno.EINVAL, call, "string with NUL: " + printable(s));
                }
                if (c >= 0x80) {
                    ascii = false;
                    break;
                }
                heap[i] = (byte) c;
            }
            if (ascii) {
                heap[length] = 0;
                MemorySegment.copy(heap, 0, slot, ValueLayout.JAVA_BYTE, 0, length + 1);
                return slot;
            }
        }
        byte[] bytes = FileNames.encode(s);
        if (bytes.length >= STRING_SLOT) {
            throw new PosixException(Errno.ENAMETOOLONG, call, printable(s.substring(0, 64)) + "…");
        }
        for (byte b : bytes) {
            if (b == 0) {
                throw new PosixException(Errno.EINVAL, call, "string with NUL: " + printable(s));
            }
        }
        MemorySegment.copy(bytes, 0, slot, ValueLayout.JAVA_BYTE, 0, bytes.length);
        slot.set(ValueLayout.JAVA_BYTE, bytes.length, (byte) 0);
        return slot;
    }

    /** {@link #openHow} filled in: {@code struct open_how}. */
    MemorySegment openHow(long flags, long mode, long resolve) {
        HeapBytes.putLong(heap, (int) Structs.HOW_FLAGS, flags);
        HeapBytes.putLong(heap, (int) Structs.HOW_MODE, mode);
        HeapBytes.putLong(heap, (int) Structs.HOW_RESOLVE, resolve);
        MemorySegment.copy(heap, 0, openHow, ValueLayout.JAVA_BYTE, 0, (int) Structs.OPEN_HOW.byteSize());
        return openHow;
    }

    /** The handle name_to_handle_at(2) left in {@link #fileHandle}, with the mount id in {@link #longs}. */
    HostHandle hostHandle() {
        MemorySegment.copy(fileHandle, ValueLayout.JAVA_BYTE, 0, heap, 0, HostHandle.HEADER_BYTES);
        int bytes = HeapBytes.getInt(heap, 0);
        byte[] handle = new byte[HostHandle.HEADER_BYTES + bytes];
        MemorySegment.copy(fileHandle, ValueLayout.JAVA_BYTE, 0, handle, 0, handle.length);
        MemorySegment.copy(longs, ValueLayout.JAVA_BYTE, 0, heap, 0, Integer.BYTES);
        return new HostHandle(HeapBytes.getInt(heap, 0), handle);
    }

    /** The stat(2) result in {@link #stat}, decoded from a heap copy. */
    FileStat fileStat() {
        MemorySegment.copy(stat, ValueLayout.JAVA_BYTE, 0, heap, 0, (int) Structs.STAT.byteSize());
        return Structs.fileStat(heap);
    }

    private static String printable(String s) {
        return s.replace("\0", "\\0");
    }
}
