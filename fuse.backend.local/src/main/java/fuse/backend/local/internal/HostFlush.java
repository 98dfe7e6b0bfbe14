package fuse.backend.local.internal;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import fuse.api.FuseException;
import fuse.posix.Posix;

/**
 * Whether closing a file through the mount needs a FLUSH request on the host file it opens.
 *
 * <p>The backend answers FLUSH with {@code close(dup(fd))}, which gives the host file system its close-time
 * hook ({@code ->flush}: NFS and CIFS write back and report errors there, FUSE forwards it). Local disk file
 * systems and tmpfs have no such hook, and POSIX locks taken through the mount are the kernel's own (the mount
 * does not offer FUSE_POSIX_LOCKS), never the host's, so there a FLUSH would cost a round trip per
 * {@code close(2)} for nothing: opens on them ask for FOPEN_NOFLUSH. Any other file system keeps FLUSH.
 *
 * <p>The answer is per host device (one {@code fstatfs} the first time a device is seen): a root may have other
 * file systems mounted beneath it.
 */
final class HostFlush {
    /** {@code f_type}s of file systems whose regular files have no {@code ->flush} (see each one's file_operations). */
    private static final Set<Long> WITHOUT_FLUSH = Set.of(
            0xEF53L,        // ext2, ext3, ext4
            0x58465342L,    // xfs
            0x9123683EL,    // btrfs
            0x01021994L);   // tmpfs

    private final Map<Long, Boolean> neededByDevice = new ConcurrentHashMap<>();

    /** Whether FLUSH must reach the backend for an open of {@code node}; {@code true} when in doubt. */
    boolean needed(LocalNode node) {
        Boolean known = neededByDevice.get(node.device);
        if (known != null) {
            return known;
        }
        boolean needed;
        try {
            needed = !WITHOUT_FLUSH.contains(Posix.fileSystemType(node.fd()));
        } catch (FuseException e) {
            return true; // not remembered: the next open asks again
        }
        neededByDevice.putIfAbsent(node.device, needed);
        return needed;
    }
}
