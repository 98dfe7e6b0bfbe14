package fuse.channel.internal;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * Names between Java strings and the NUL-terminated UTF-8 of the wire, without a byte[] per name on the common
 * ASCII path (directory listings encode thousands of names per second).
 */
final class Utf8 {
    private Utf8() {
    }

    /** The number of UTF-8 bytes of {@code s} (unpaired surrogates count as the 1-byte '?' the encoder writes). */
    static int length(String s) {
        int n = s.length();
        int bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    bytes += 1;
                } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    bytes += 2; // 4 bytes for two chars
                    i++;
                } else if (Character.isSurrogate(c)) {
                    bytes += 0;
                } else {
                    bytes += 2;
                }
            }
        }
        return bytes;
    }

    /** Writes the UTF-8 bytes of {@code s} (no NUL) at {@code offset}; returns the number of bytes written. */
    static int encode(String s, MemorySegment target, long offset) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
                MemorySegment.copy(bytes, 0, target, JAVA_BYTE, offset, bytes.length);
                return bytes.length;
            }
            target.set(JAVA_BYTE, offset + i, (byte) c);
        }
        return n;
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
        int length = (int) (nul - from);
        if (length == 0) {
            return "";
        }
        byte[] bytes = new byte[length];
        MemorySegment.copy(segment, JAVA_BYTE, from, bytes, 0, length);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
