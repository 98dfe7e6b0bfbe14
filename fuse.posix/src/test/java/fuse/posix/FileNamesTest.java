package fuse.posix;

import static fuse.posix.Linux.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileNamesTest {
    private static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    @Test
    void validUtf8DecodesAsUsual() {
        for (String s : List.of("", "plain.txt", "café", "日本語", "emoji 😀 end", "\u07ff\u0800\uffff",
                new String(Character.toChars(0x10FFFF)), new String(Character.toChars(0x10080)))) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            assertEquals(s, FileNames.decode(bytes), s);
            assertArrayEquals(bytes, FileNames.encode(s), s);
            assertEquals(bytes.length, FileNames.encodedLength(s), s);
        }
    }

    @Test
    void invalidBytesBecomeEscapesAndEncodeBackToThemselves() {
        assertEquals("caf\udce9", FileNames.decode(hex("636166e9")));          // Latin-1 é
        assertEquals("\udcff\udcfe", FileNames.decode(hex("fffe")));
        assertEquals("\udcc0\udcaf", FileNames.decode(hex("c0af")));           // overlong '/'
        assertEquals("\udced\udcb2\udc80", FileNames.decode(hex("edb280")));   // an encoded surrogate
        assertEquals("\udcf4\udc90\udc80\udc80", FileNames.decode(hex("f4908080"))); // above U+10FFFF
        assertEquals("a\udce2\udc82", FileNames.decode(hex("61e282")));        // truncated at the end
        assertEquals("\udce2\udc82a", FileNames.decode(hex("e28261")));        // cut short by ASCII
        for (String h : List.of("636166e9", "fffe", "c0af", "edb280", "f4908080", "61e282", "e28261", "80")) {
            assertArrayEquals(hex(h), FileNames.encode(FileNames.decode(hex(h))), h);
        }
        // Two names plain UTF-8 decoding would both turn into "caf\ufffd" stay two names.
        assertNotEquals(FileNames.decode(hex("636166e9")), FileNames.decode(hex("636166e8")));
    }

    @Test
    void everyByteSequenceRoundTrips() {
        SplittableRandom random = new SplittableRandom(7);
        for (int round = 0; round < 20_000; round++) {
            byte[] bytes = new byte[random.nextInt(24)];
            for (int i = 0; i < bytes.length; i++) {
                // Mostly high bytes and UTF-8 lead bytes, so that valid and broken sequences both occur.
                int b = random.nextInt(4) == 0 ? random.nextInt(0x20, 0x80) : random.nextInt(0x80, 0x100);
                bytes[i] = (byte) b;
            }
            String decoded = FileNames.decode(bytes);
            assertArrayEquals(bytes, FileNames.encode(decoded), () -> HexFormat.of().formatHex(bytes));
            assertEquals(bytes.length, FileNames.encodedLength(decoded));
        }
    }

    @Test
    void strayHighSurrogatesEncodeAsQuestionMarks() {
        assertArrayEquals("a?b".getBytes(StandardCharsets.US_ASCII), FileNames.encode("a\ud800b"));
        assertEquals(3, FileNames.encodedLength("a\ud800b"));
    }

    @Test
    void segmentsAndCStrings() {
        try (Arena arena = Arena.ofConfined()) {
            String name = FileNames.decode(hex("78ff79"));
            MemorySegment c = Native.cString(arena, name);
            assertEquals(4, c.byteSize());
            assertArrayEquals(hex("78ff7900"), c.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            assertEquals(name, Native.string(c));
            MemorySegment target = arena.allocate(8);
            assertEquals(3, FileNames.encode(name, target, 2));
            assertEquals(name, FileNames.decode(target, 2, 3));
        }
    }

    @Test
    void namesThatAreNotUtf8ReachTheFileSystemUnchanged(@TempDir Path dir) throws Exception {
        int dirfd = Posix.openat(AT_FDCWD, dir.toString(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        try {
            String latin1 = FileNames.decode(hex("636166e9"));
            String other = FileNames.decode(hex("636166e8"));
            Posix.mkdirat(dirfd, latin1, 0755);
            Posix.mkdirat(dirfd, other, 0755);
            Posix.symlinkat(latin1, dirfd, "link");
            assertEquals(latin1, Posix.readlinkat(dirfd, "link"));
            int fd = Posix.openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
            List<String> names = new ArrayList<>();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buffer = arena.allocate(4096, 8);
                while (Posix.readDirectory(fd, buffer, (inode, next, type, name) -> names.add(name))) {
                    // all batches
                }
            } finally {
                Posix.closeQuietly(fd);
            }
            assertTrue(names.containsAll(List.of(latin1, other, "link")), names.toString());
            // The host's own view, byte for byte: java.io.File lists with the JDK's (lossy) decoding, so ask ls.
            Process ls = new ProcessBuilder("ls", "-1", "--quoting-style=escape", dir.toString()).start();
            String listing = new String(ls.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(listing.contains("caf\\351") && listing.contains("caf\\350"), listing);
        } finally {
            Posix.closeQuietly(dirfd);
        }
    }
}
