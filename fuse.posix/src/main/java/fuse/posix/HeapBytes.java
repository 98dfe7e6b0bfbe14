package fuse.posix;

import java.nio.ByteOrder;

/**
 * Native-order integers read from and written to a heap copy of a kernel struct, assembled byte by byte.
 *
 * <p>Why: a fresh JVM runs its first lookups and listings in the interpreter, where each field read or written in
 * a native segment goes through a chain of var handle calls (microseconds each), and a lookup touches dozens
 * (the path, {@code open_how}, {@code struct stat}, the file handle). Copying the struct to or from the heap is one
 * bulk copy, and plain array accesses cost a few bytecodes each. Once compiled, both ways cost about the same.
 */
final class HeapBytes {
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private HeapBytes() {
    }

    static long getLong(byte[] a, int at) {
        long little = (a[at] & 0xFFL) | (a[at + 1] & 0xFFL) << 8 | (a[at + 2] & 0xFFL) << 16
                | (a[at + 3] & 0xFFL) << 24 | (a[at + 4] & 0xFFL) << 32 | (a[at + 5] & 0xFFL) << 40
                | (a[at + 6] & 0xFFL) << 48 | (a[at + 7] & 0xFFL) << 56;
        return LITTLE_ENDIAN ? little : Long.reverseBytes(little);
    }

    static int getInt(byte[] a, int at) {
        int little = (a[at] & 0xFF) | (a[at + 1] & 0xFF) << 8 | (a[at + 2] & 0xFF) << 16 | (a[at + 3] & 0xFF) << 24;
        return LITTLE_ENDIAN ? little : Integer.reverseBytes(little);
    }

    static int getUnsignedShort(byte[] a, int at) {
        int low = a[at] & 0xFF;
        int high = a[at + 1] & 0xFF;
        return LITTLE_ENDIAN ? low | high << 8 : low << 8 | high;
    }

    static void putLong(byte[] a, int at, long value) {
        long little = LITTLE_ENDIAN ? value : Long.reverseBytes(value);
        for (int i = 0; i < 8; i++) {
            a[at + i] = (byte) (little >>> (8 * i));
        }
    }

    static void putInt(byte[] a, int at, int value) {
        int little = LITTLE_ENDIAN ? value : Integer.reverseBytes(value);
        for (int i = 0; i < 4; i++) {
            a[at + i] = (byte) (little >>> (8 * i));
        }
    }
}
