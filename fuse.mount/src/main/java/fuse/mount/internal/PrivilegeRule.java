package fuse.mount.internal;

import static fuse.posix.Linux.O_ACCMODE;
import static fuse.posix.Linux.S_ISGID;
import static fuse.posix.Linux.S_ISUID;
import static fuse.posix.Linux.S_IXGRP;

import fuse.api.AttributeChanges;
import fuse.api.Attributes;
import fuse.api.Caller;
import fuse.api.FileSystem;
import fuse.api.FuseException;
import fuse.api.Handle;
import fuse.api.Node;
import fuse.passthrough.OpenMode;

/**
 * When the set-user-ID and set-group-ID bits go, for every backend. They must go when an unprivileged caller
 * writes. Java-served writes carry the kernel's KILL_SUIDGID flag to the backend, and so do truncating opens; but
 * passthrough writes never reach us and run with the server's credentials, which keep the bits. So a passthrough
 * open for writing by a caller other than root clears them before the reply, through the backend ({@code setattr}
 * with only {@code killPrivileges}). Backends may clear them in {@code open} too (the local backend does).
 */
final class PrivilegeRule {
    /** "Clear set-user-ID, set-group-ID and capabilities", the SPI's form of the kernel's KILL_SUIDGID. */
    private static final AttributeChanges KILL_PRIVILEGES =
            new AttributeChanges(null, null, null, null, null, null, null, true);

    private PrivilegeRule() {
    }

    /** Whether an open must check the bits: the kernel asked, or an unprivileged caller writes by passthrough. */
    static boolean appliesToOpen(boolean killPrivileges, OpenMode mode, int uid, int flags) {
        return killPrivileges || mode == OpenMode.PASSTHROUGH && uid != 0 && (flags & O_ACCMODE) != 0;
    }

    /**
     * Clears the bits of an open file where they are set (set-group-ID only with group execute, as the kernel's
     * {@code should_remove_suid}).
     *
     * @return whether they were cleared (the attributes the caller got are then stale)
     */
    static boolean clearOnOpen(FileSystem fs, Caller caller, Node node, Handle handle) throws FuseException {
        int mode = fs.getattr(caller, node, handle).mode();
        if ((mode & S_ISUID) != 0 || (mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP)) {
            fs.setattr(caller, node, handle, KILL_PRIVILEGES);
            return true;
        }
        return false;
    }

    /**
     * After an ACL the kernel flagged FUSE_SETXATTR_ACL_KILL_SGID (set by a caller outside the file's group,
     * without CAP_FSETID) the set-group-ID bit goes, as a local file system's {@code posix_acl_update_mode} would
     * clear it. The host file system does not: the server setting the ACL is privileged.
     */
    static void clearSetGidAfterAcl(FileSystem fs, Caller caller, Node node) throws FuseException {
        Attributes a = fs.getattr(caller, node, null);
        if ((a.mode() & S_ISGID) != 0) {
            fs.setattr(caller, node, null, AttributeChanges.NONE.withMode(a.mode() & 07777 & ~S_ISGID));
        }
    }
}
