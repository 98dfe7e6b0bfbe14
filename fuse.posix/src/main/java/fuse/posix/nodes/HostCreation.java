package fuse.posix.nodes;

import static fuse.posix.Linux.AT_REMOVEDIR;
import static fuse.posix.Linux.AT_SYMLINK_NOFOLLOW;
import static fuse.posix.Linux.O_CREAT;
import static fuse.posix.Linux.O_EXCL;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.posix.FileStat;
import fuse.posix.Posix;
import fuse.posix.PosixException;

/**
 * FUSE's CREATE on a host directory, in the two steps a backend needs around its own work: make the file knowing
 * whether this call made it ({@link #open}), and, when what follows fails before the mount got the entry, remove
 * what this call made and nothing else ({@link #undo}). A create the mount never answered must leave no file
 * behind, and must never remove a file that was there before or that another process put there since.
 */
public final class HostCreation {
    private static final Logger LOG = LoggerFactory.getLogger(HostCreation.class);

    private HostCreation() {
    }

    /**
     * The file opened by a create.
     *
     * @param fd the open file, the caller's to close
     * @param made whether this create made it (else it was there and the caller did not ask for {@code O_EXCL})
     */
    public record Opened(int fd, boolean made) {
    }

    /**
     * Opens {@code name} under {@code dirfd} with {@code openat2}, making it with {@code mode} if it is not there.
     * It tries {@code O_CREAT | O_EXCL} first, so that it knows whether it made the file; when the name exists
     * and {@code exclusive} was not asked, it opens what is there, as {@code open(2)} would.
     *
     * @param flags the open flags without {@code O_CREAT} and {@code O_EXCL} ({@code O_CLOEXEC} and the
     *        symlink rule included)
     * @param mode permission bits only ({@code openat2} refuses a file type)
     * @throws FuseException the errno of the open; EEXIST when {@code exclusive} and the name exists
     */
    public static Opened open(int dirfd, String name, int flags, int mode, long resolve, boolean exclusive)
            throws FuseException {
        try {
            return new Opened(Posix.openat2(dirfd, name, flags | O_CREAT | O_EXCL, mode, resolve), true);
        } catch (PosixException e) {
            if (e.errno() != Errno.EEXIST || exclusive) {
                throw e;
            }
            return new Opened(Posix.openat2(dirfd, name, flags, 0, resolve), false); // raced another creator
        }
    }

    /** {@link #undo(int, String, FileStat)} for the file this call made and holds open at {@code fd}. */
    public static void undo(int dirfd, String name, int fd) {
        try {
            undo(dirfd, name, Posix.fstat(fd));
        } catch (FuseException e) {
            LOG.warn("could not remove '{}' after its creation failed: {}", name, e.getMessage());
        }
    }

    /**
     * Removes {@code name} under {@code dirfd} if it is still the object this call made ({@code made}, its
     * {@code fstat}), file or directory; a failure is logged, since the caller is already failing with its own
     * error.
     */
    public static void undo(int dirfd, String name, FileStat made) {
        try {
            FileStat now = Posix.fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW);
            if (now.device() == made.device() && now.inode() == made.inode()) {
                Posix.unlinkat(dirfd, name, now.attributes().isDirectory() ? AT_REMOVEDIR : 0);
            }
        } catch (FuseException e) {
            LOG.warn("could not remove '{}' after its creation failed: {}", name, e.getMessage());
        }
    }
}
