package fuse.posix;

import java.util.Arrays;

/**
 * A file handle ({@code name_to_handle_at(2)}): names one file of a file system for as long as it exists, across
 * renames, without a descriptor. The file system encodes the inode and its generation, so a handle never names a
 * later file that reuses the inode number: {@link Posix#openByHandleAt} answers {@code ESTALE} once its file is
 * gone. Equal handles name the same file.
 *
 * @param mountId the mount the handle was taken through ({@code mount_id}); opening it needs a descriptor of a
 *        file on that mount
 * @param bytes the {@code struct file_handle}: {@code handle_bytes} (u32), {@code handle_type} (s32), then
 *        {@code f_handle}, as {@link Posix#openByHandleAt} and fanotify's records carry it
 */
public record HostHandle(int mountId, byte[] bytes) {
    /** {@code handle_bytes} and {@code handle_type} before {@code f_handle}. */
    public static final int HEADER_BYTES = 8;

    public HostHandle {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Whether this handle is {@code other} (the mount id aside: one file has one handle on every mount of it). */
    public boolean sameFile(HostHandle other) {
        return Arrays.equals(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostHandle other && other.mountId == mountId && Arrays.equals(other.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes) * 31 + mountId;
    }

    @Override
    public String toString() {
        StringBuilder hex = new StringBuilder();
        for (byte b : bytes) {
            hex.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return "HostHandle[mount " + mountId + " " + hex + "]";
    }
}
