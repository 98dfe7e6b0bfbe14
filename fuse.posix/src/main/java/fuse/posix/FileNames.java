package fuse.posix;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import fuse.api.Errno;
import fuse.api.FuseException;

/**
 * File names, paths and symlink targets between the kernel's bytes and Java strings, without loss. A Linux name
 * is any bytes but {@code '/'} and NUL; decoding it as plain UTF-8 would turn each invalid sequence into U+FFFD,
 * so that different names became one and a name made through a mount arrived on the host as another.
 *
 * <p>Valid UTF-8 decodes as usual. Each byte of an invalid sequence becomes the lone surrogate
 * {@code U+DC00 + byte} ({@code U+DC80..U+DCFF}, Python's {@code surrogateescape}), and encoding turns such a
 * surrogate back into its byte, so {@code encode(decode(bytes))} is always {@code bytes}. Other unpaired
 * surrogates, which no decoded name contains, encode as {@code '?'} as the JDK's encoder does.
 */
public final class FileNames {
    private static final char ESCAPE_BASE = 0xDC00;
    private static final char ESCAPE_FIRST = 0xDC80;
    private static final char ESCAPE_LAST = 0xDCFF;

    private FileNames() {
    }

    /** Decodes all of {@code segment}: a name handed out as bytes ({@link Posix#visitDirentNames}). */
    public static String decode(MemorySegment segment) {
        return decode(segment, 0, Math.toIntExact(segment.byteSize()));
    }

    /** Decodes {@code length} bytes at {@code offset} of {@code segment}. */
    public static String decode(MemorySegment segment, long offset, int length) {
        if (length == 0) {
            return "";
        }
        byte[] bytes = new byte[length];
        MemorySegment.copy(segment, JAVA_BYTE, offset, bytes, 0, length);
        return decode(bytes, 0, length);
    }

    /** Decodes the bytes up to the first NUL at {@code offset} of {@code segment} (or up to its end). */
    public static String decodeNulTerminated(MemorySegment segment, long offset) {
        long end = offset;
        long limit = segment.byteSize();
        while (end < limit && segment.get(JAVA_BYTE, end) != 0) {
            end++;
        }
        return decode(segment, offset, Math.toIntExact(end - offset));
    }

    public static String decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length);
    }

    public static String decode(byte[] bytes, int offset, int length) {
        int end = offset + length;
        int i = offset;
        while (i < end && bytes[i] >= 0) {
            i++;
        }
        if (i == end) {
            return new String(bytes, offset, length, StandardCharsets.ISO_8859_1); // ASCII: one byte per char
        }
        StringBuilder s = new StringBuilder(length);
        s.append(new String(bytes, offset, i - offset, StandardCharsets.ISO_8859_1));
        while (i < end) {
            int b = bytes[i] & 0xFF;
            if (b < 0x80) {
                s.append((char) b);
                i++;
                continue;
            }
            int sequence = validSequence(bytes, i, end);
            if (sequence == 0) {
                s.append((char) (ESCAPE_BASE + b));
                i++;
            } else {
                s.appendCodePoint(codePoint(bytes, i, sequence));
                i += sequence;
            }
        }
        return s.toString();
    }

    /**
     * The length of the well-formed UTF-8 sequence at {@code i} (2 to 4), or 0 if there is none: no overlong
     * forms, no encoded surrogates, nothing above U+10FFFF (the Unicode standard's table 3-7).
     */
    private static int validSequence(byte[] bytes, int i, int end) {
        int b0 = bytes[i] & 0xFF;
        int length;
        int low = 0x80;
        int high = 0xBF;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            length = 2;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            length = 3;
            if (b0 == 0xE0) {
                low = 0xA0;
            } else if (b0 == 0xED) {
                high = 0x9F;
            }
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            length = 4;
            if (b0 == 0xF0) {
                low = 0x90;
            } else if (b0 == 0xF4) {
                high = 0x8F;
            }
        } else {
            return 0;
        }
        if (i + length > end) {
            return 0;
        }
        int b1 = bytes[i + 1] & 0xFF;
        if (b1 < low || b1 > high) {
            return 0;
        }
        for (int k = 2; k < length; k++) {
            int b = bytes[i + k] & 0xFF;
            if (b < 0x80 || b > 0xBF) {
                return 0;
            }
        }
        return length;
    }

    private static int codePoint(byte[] bytes, int i, int length) {
        int cp = bytes[i] & (0xFF >> (length + 1));
        for (int k = 1; k < length; k++) {
            cp = (cp << 6) | (bytes[i + k] & 0x3F);
        }
        return cp;
    }

    /** The bytes of {@code s} (no NUL added). */
    public static byte[] encode(String s) {
        int n = s.length();
        int i = 0;
        while (i < n && s.charAt(i) < 0x80) {
            i++;
        }
        if (i == n) {
            return s.getBytes(StandardCharsets.ISO_8859_1);
        }
        byte[] out = new byte[encodedLength(s)];
        int at = 0;
        for (int k = 0; k < n; k++) {
            char c = s.charAt(k);
            if (c < 0x80) {
                out[at++] = (byte) c;
            } else if (c < 0x800) {
                out[at++] = (byte) (0xC0 | (c >> 6));
                out[at++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && k + 1 < n && Character.isLowSurrogate(s.charAt(k + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++k));
                out[at++] = (byte) (0xF0 | (cp >> 18));
                out[at++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                out[at++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                out[at++] = (byte) (0x80 | (cp & 0x3F));
            } else if (c >= ESCAPE_FIRST && c <= ESCAPE_LAST) {
                out[at++] = (byte) (c - ESCAPE_BASE);
            } else if (Character.isSurrogate(c)) {
                out[at++] = '?';
            } else {
                out[at++] = (byte) (0xE0 | (c >> 12));
                out[at++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                out[at++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return out;
    }

    /** The number of bytes {@link #encode} gives for {@code s}. */
    public static int encodedLength(String s) {
        int n = s.length();
        int bytes = 0;
        for (int k = 0; k < n; k++) {
            char c = s.charAt(k);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && k + 1 < n && Character.isLowSurrogate(s.charAt(k + 1))) {
                bytes += 4;
                k++;
            } else if (Character.isSurrogate(c)) {
                bytes += 1; // an escaped byte, or '?'
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** Writes the bytes of {@code s} (no NUL) at {@code offset} of {@code target}; answers their number. */
    public static int encode(String s, MemorySegment target, long offset) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                byte[] bytes = encode(s);
                MemorySegment.copy(bytes, 0, target, JAVA_BYTE, offset, bytes.length);
                return bytes.length;
            }
            target.set(JAVA_BYTE, offset + i, (byte) c);
        }
        return n;
    }

    /**
     * Checks that {@code name} is one path component, for operations that create, remove or rename it: resolving
     * it relative to a directory's descriptor can then reach only that directory's entries (the first line of a
     * backend's confinement; openat2's RESOLVE_BENEATH is the second).
     */
    public static void checkComponent(String name) throws FuseException {
        if (name == null || name.isEmpty()) {
            throw new FuseException(Errno.ENOENT, "empty name");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new FuseException(Errno.EINVAL, "'" + name + "' is not a name of an entry");
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw new FuseException(Errno.EINVAL, "not a single path component: '" + name.replace("\0", "\\0") + "'");
        }
    }

    /** {@link #checkComponent} for lookup, where "." and ".." name no child of the directory. */
    public static void checkLookupComponent(String name) throws FuseException {
        if (name != null && (name.equals(".") || name.equals(".."))) {
            throw new FuseException(Errno.ENOENT, "'" + name + "' is not looked up by name");
        }
        checkComponent(name);
    }
}
