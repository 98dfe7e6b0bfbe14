package fuse.channel.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the small text files of procfs, sysfs and fusectl. Not {@code Files.readString}: for a file whose stat
 * size is 0 it reads one byte first, and a sysctl file read at offset 1 is empty, so
 * {@code /proc/sys/fs/fuse/max_pages_limit} ("256") came back as "2".
 */
final class KernelFiles {
    private KernelFiles() {
    }

    static String read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
        }
    }
}
