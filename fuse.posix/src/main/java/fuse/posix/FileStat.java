package fuse.posix;

import fuse.api.Attributes;

/**
 * {@code stat(2)} of a file with the device it lives on: {@code (device, attributes.inode())} identifies the file
 * on the host, which is what a backend deduplicates its nodes by.
 */
public record FileStat(long device, Attributes attributes) {
    public long inode() {
        return attributes.inode();
    }
}
