package fuse.posix;

import static fuse.posix.Linux.AT_EMPTY_PATH;
import static fuse.posix.Linux.S_IALLUGO;
import static fuse.posix.Linux.S_ISGID;
import static fuse.posix.Linux.S_ISUID;
import static fuse.posix.Linux.S_IXGRP;

import fuse.api.Attributes;
import fuse.api.Errno;
import fuse.api.FuseException;

/**
 * What the kernel's {@code file_remove_privs} does on an unprivileged write, for backends whose writes reach the
 * host with the server's credentials (passthrough writes, or Java-served ones, as root): clear set-user-ID,
 * set-group-ID when group-executable (without group execute it marks mandatory locking, which stays) and the
 * {@code security.capability} xattr.
 */
public final class Privileges {
    private static final String CAPABILITY = "security.capability";

    private Privileges() {
    }

    /** Clears the privileges of the regular file open (or O_PATH-open) as {@code fd}; other files are left alone. */
    public static void kill(int fd) throws FuseException {
        Attributes a = Posix.fstat(fd).attributes();
        if (!a.isRegularFile()) {
            return;
        }
        int mode = a.mode();
        int kill = (mode & S_ISUID) | ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) ? S_ISGID : 0);
        if (kill != 0) {
            Posix.fchmodat2(fd, "", mode & S_IALLUGO & ~kill, AT_EMPTY_PATH);
        }
        try {
            Posix.removexattr(Posix.procFdPath(fd), CAPABILITY);
        } catch (PosixException e) {
            if (e.errno() != Errno.ENODATA && e.errno() != Errno.EOPNOTSUPP) {
                throw e;
            }
        }
    }
}
