package fuse.channel.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the small text files of procfs, sysfs and fusectl with plain read(2) calls. Not the JDK's bulk reads:
 * {@code Files.readString} reads one byte first when stat says size 0, and a sysctl file read at offset 1 is
 * empty ({@code /proc/sys/fs/fuse/max_pages_limit}, "256", came back as "2"); {@code InputStream.readAllBytes}
 * asks the channel for its position, and fusectl files cannot seek (ESPIPE).
 */
final class KernelFiles {
    private static final int MAX = 4096;

    private KernelFiles() {
    }

    static String read(Path file) throws IOException {
        byte[] buffer = new byte[MAX];
        int length = 0;
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while (length < MAX && (n = in.read(buffer, length, MAX - length)) > 0) {
                length += n;
            }
        }
        return new String(buffer, 0, length, StandardCharsets.US_ASCII).trim();
    }
}
