package fuse.backend.local.internal;

import static fuse.posix.Linux.AT_EMPTY_PATH;
import static fuse.posix.Linux.S_IALLUGO;

import java.lang.foreign.MemorySegment;

import fuse.api.Caller;
import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.posix.Posix;
import fuse.posix.PosixException;

/**
 * The permission bits of a file being created in one directory, as a local file system's
 * {@code posix_acl_create} gives them: where the parent has a default ACL, the new file inherits it and the
 * umask does not apply (the ACL's inheritance replaces it, and the host file system computes the mode from the
 * requested one); elsewhere the bits are {@code mode & ~umask}.
 *
 * <p>The server's own process umask must not interfere: the host applies it (instead of the caller's) where there
 * is no default ACL, so {@link #fix} sets the bits exactly afterwards; where there is one the host ignores it, and
 * {@link #fix} leaves the inherited mode (and the ACL mask it mirrors) alone. The parent's default ACL is only
 * read when it decides something: a caller umask to apply, or bits that came out other than asked.
 */
final class NewFileMode {
    private static final String DEFAULT_ACL = "system.posix_acl_default";

    private final int parentFd;
    private final int mode;
    private final int umask;
    private Boolean inherits;

    NewFileMode(Caller caller, int parentFd, int mode) {
        this.parentFd = parentFd;
        this.mode = mode & S_IALLUGO;
        this.umask = caller.umask();
    }

    /** The bits to create with. */
    int requested() throws FuseException {
        return umask == 0 || inherits() ? mode : mode & ~umask;
    }

    /**
     * Makes the new file's permission bits what {@link #requested} asked for, unless the parent's default ACL
     * decided them. Set-id bits stay as the host left them (it clears set-group-ID for a creator outside the
     * group). Runs with the server's credentials ({@code fd} may be an {@code O_PATH} descriptor).
     *
     * @return whether the bits were changed
     */
    boolean fix(int fd, int actualMode) throws FuseException {
        int wanted = requested();
        if (((actualMode ^ wanted) & 0777) == 0 || inherits()) {
            return false;
        }
        Posix.fchmodat2(fd, "", (actualMode & 07000) | (wanted & 0777), AT_EMPTY_PATH);
        return true;
    }

    private boolean inherits() throws FuseException {
        if (inherits == null) {
            inherits = hasDefaultAcl(parentFd);
        }
        return inherits;
    }

    /** Whether the directory has a default ACL; {@code false} on a file system without ACLs. */
    static boolean hasDefaultAcl(int dirfd) throws FuseException {
        try {
            return Posix.getxattr(Posix.procFdPath(dirfd), DEFAULT_ACL, MemorySegment.NULL) > 0;
        } catch (PosixException e) {
            if (e.errno() == Errno.ENODATA || e.errno() == Errno.EOPNOTSUPP) {
                return false;
            }
            throw e;
        }
    }
}
