package fuse.channel.internal;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import org.junit.jupiter.api.Test;

import fuse.channel.kernel.FuseDirent;
import fuse.channel.kernel.FuseKernel;
import fuse.posix.FileNames;

/**
 * READDIR entries from names as bytes are the very records the same names as strings make, laid out as
 * {@code fuse_dirent} says.
 */
class DirectoryEncoderTest {
    private static final List<byte[]> NAMES = List.of(new byte[] {'a'}, new byte[] {'c', 'a', 'f', (byte) 0xe9},
            new byte[] {(byte) 0xc3, (byte) 0xa9}, new byte[] {(byte) 0xff, (byte) 0xfe, 'x'}, "n".repeat(255).getBytes());

    @Test
    void bytesAndStringsEncodeTheSameRecords() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fromStrings = arena.allocate(8192).fill((byte) 0x55);
            MemorySegment fromBytes = arena.allocate(8192).fill((byte) 0x55);
            DirectoryEncoder strings = encoder(fromStrings, 4096);
            DirectoryEncoder bytes = encoder(fromBytes, 4096);
            long next = 1;
            for (byte[] name : NAMES) {
                assertTrue(strings.add(100 + next, next, 8, FileNames.decode(name)));
                assertTrue(bytes.add(100 + next, next, 8, arena.allocateFrom(JAVA_BYTE, name)));
                next++;
            }
            int length = strings.finish();
            assertEquals(length, bytes.finish());
            assertArrayEquals(fromStrings.toArray(JAVA_BYTE), fromBytes.toArray(JAVA_BYTE));
            assertRecords(fromBytes, length);
        }
    }

    /** The records are {@code fuse_dirent}s as the kernel reads them: fields, name, zero padding to 8 bytes. */
    private static void assertRecords(MemorySegment out, int length) {
        long at = KernelReply.PAYLOAD;
        long next = 1;
        for (byte[] name : NAMES) {
            assertEquals(100 + next, (long) FuseDirent.INO.get(out, at));
            assertEquals(next, (long) FuseDirent.OFF.get(out, at));
            assertEquals(name.length, (int) FuseDirent.NAMELEN.get(out, at));
            assertEquals(8, (int) FuseDirent.TYPE.get(out, at));
            long nameAt = at + FuseDirent.BYTES;
            assertArrayEquals(name, out.asSlice(nameAt, name.length).toArray(JAVA_BYTE));
            long recordEnd = (nameAt + name.length + 7) & -8;
            for (long pad = nameAt + name.length; pad < recordEnd; pad++) {
                assertEquals(0, out.get(JAVA_BYTE, pad), "padding");
            }
            at = recordEnd;
            next++;
        }
        assertEquals(KernelReply.PAYLOAD + length, at);
    }

    @Test
    void aNameThatDoesNotFitIsRefusedAndAnEmptyOrTooLongOneRejected() {
        try (Arena arena = Arena.ofConfined()) {
            long header = KernelReply.PAYLOAD;
            MemorySegment out = arena.allocate(header + 64);
            DirectoryEncoder encoder = encoder(out, 40); // one 24-byte fuse_dirent with a name of up to 16 bytes
            assertTrue(encoder.add(1, 1, 8, arena.allocateFrom(JAVA_BYTE, "0123456789abcdef".getBytes())));
            assertFalse(encoder.add(2, 2, 8, arena.allocateFrom(JAVA_BYTE, new byte[] {'b'})));
            assertThrows(IllegalArgumentException.class, () -> encoder.add(3, 3, 8, MemorySegment.NULL));
            assertThrows(IllegalArgumentException.class, // past FUSE_NAME_MAX
                    () -> encoder.add(4, 4, 8, arena.allocate(FuseKernel.NAME_MAX + 1)));
            assertEquals(24 + 16, encoder.finish());
            assertEquals(0, out.get(JAVA_BYTE, header + 40), "nothing written past the first record");
        }
    }

    private static DirectoryEncoder encoder(MemorySegment out, int size) {
        DirectoryEncoder encoder = new DirectoryEncoder(null, out);
        encoder.begin(false, size);
        return encoder;
    }
}
