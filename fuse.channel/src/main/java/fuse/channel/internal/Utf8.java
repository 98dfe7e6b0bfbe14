package fuse.channel.internal;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;

import fuse.posix.FileNames;

/**
 * Names between Java strings and the NUL-terminated bytes of the wire, without loss: names that are not valid
 * UTF-8 round-trip through {@link FileNames}' escapes, so a backend gets back exactly the bytes the kernel sent
 * (two different names never become one). No byte[] per name on the common ASCII path (directory listings encode
 * thousands of names per second).
 */
final class Utf8 {
    private Utf8() {
    }

    /** The number of bytes {@link #encode} writes for {@code s}. */
    static int length(String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) >= 0x80) {
                return FileNames.encodedLength(s);
            }
        }
        return n;
    }

    /** Writes the bytes of {@code s} (no NUL) at {@code offset}; returns the number of bytes written. */
    static int encode(String s, MemorySegment target, long offset) {
        return FileNames.encode(s, target, offset);
    }

    /**
     * The offset of the first NUL in {@code [from, end)} of {@code segment}, or -1 if there is none (a malformed
     * request).
     */
    static long nul(MemorySegment segment, long from, long end) {
        for (long i = from; i < end; i++) {
            if (segment.get(JAVA_BYTE, i) == 0) {
                return i;
            }
        }
        return -1;
    }

    /** Decodes the bytes {@code [from, nul)}; {@code nul} is the offset of their NUL terminator. */
    static String decode(MemorySegment segment, long from, long nul) {
        return FileNames.decode(segment, from, (int) (nul - from));
    }
}
