package fuse.posix;

import static fuse.posix.Linux.BTRFS_SUPER_MAGIC;
import static fuse.posix.Linux.EXT4_SUPER_MAGIC;
import static fuse.posix.Linux.TMPFS_MAGIC;
import static fuse.posix.Linux.XFS_SUPER_MAGIC;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import fuse.api.FuseException;

/**
 * Whether closing a file through a mount needs a FLUSH request to reach the host file a backend opened.
 *
 * <p>A backend answers FLUSH with {@code close(dup(fd))}, which gives the host file system its close-time hook
 * ({@code ->flush}: NFS and CIFS write back and report errors there, FUSE forwards it). Local disk file systems
 * and tmpfs have no such hook, and POSIX locks taken through a mount are the kernel's own (the mount does not
 * offer FUSE_POSIX_LOCKS), never the host's: there a FLUSH costs a round trip per {@code close(2)} for nothing,
 * and opens ask for FOPEN_NOFLUSH instead. Any other file system keeps FLUSH.
 *
 * <p>One instance per backend file system; the answer is remembered per host device (one {@code fstatfs} the
 * first time a device is seen), since a root may have other file systems mounted beneath it.
 */
public final class HostFlush {
    /** {@code f_type}s of file systems whose regular files have no {@code ->flush} (see their file_operations). */
    private static final Set<Long> WITHOUT_FLUSH = Set.of(EXT4_SUPER_MAGIC, XFS_SUPER_MAGIC, BTRFS_SUPER_MAGIC,
            TMPFS_MAGIC);

    private final Map<Long, Boolean> neededByDevice = new ConcurrentHashMap<>();

    /**
     * @param device the host file's {@code st_dev}
     * @param fd any descriptor of the file (an {@code O_PATH} one will do)
     * @return whether FLUSH must reach the backend; {@code true} when it cannot tell
     */
    public boolean needed(long device, int fd) {
        Boolean known = neededByDevice.get(device);
        if (known != null) {
            return known;
        }
        boolean needed;
        try {
            needed = !WITHOUT_FLUSH.contains(Posix.fileSystemType(fd));
        } catch (FuseException e) {
            return true; // not remembered: the next open asks again
        }
        neededByDevice.putIfAbsent(device, needed);
        return needed;
    }
}
