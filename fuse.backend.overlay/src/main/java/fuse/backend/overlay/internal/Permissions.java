package fuse.backend.overlay.internal;

import static fuse.posix.Linux.R_OK;
import static fuse.posix.Linux.S_ISVTX;
import static fuse.posix.Linux.W_OK;
import static fuse.posix.Linux.X_OK;

import fuse.api.Attributes;
import fuse.api.Caller;
import fuse.api.Errno;
import fuse.api.FuseException;

/**
 * The VFS's permission checks on overlay objects ({@code generic_permission}, {@code may_create},
 * {@code may_delete}), for callers the kernel did not check already: overlayfs checks the caller against the
 * overlay inode, then works on the layers with the mounter's (here the server's) credentials, so the layers
 * cannot check for it. Root passes everything but executing a file without any execute bit; others are checked
 * against owner, primary group (FUSE does not send supplementary groups) and other bits, or the object's access
 * ACL where it has one ({@link Acl#permits}). With {@code default_permissions} the kernel has checked the same
 * before the request arrives.
 */
final class Permissions {
    private Permissions() {
    }

    /** {@code access(2)} semantics for {@code mask} ({@code R_OK|W_OK|X_OK}) on the overlay object {@code node}. */
    static void check(Caller caller, OverlayNode node, int mask) throws FuseException {
        check(caller, node.attributes(), node.real(), mask);
    }

    /** @param real the layer file whose access ACL applies */
    static void check(Caller caller, Attributes a, RealFile real, int mask) throws FuseException {
        int wanted = mask & (R_OK | W_OK | X_OK);
        if (caller.uid() == 0) {
            if ((wanted & X_OK) != 0 && !a.isDirectory() && (a.mode() & 0111) == 0) {
                throw new FuseException(Errno.EACCES, "no execute bit");
            }
            return;
        }
        if (caller.uid() != a.uid()) {
            // The owner's bits are the mode's; everyone else is decided by the access ACL where there is one.
            Acl acl = Acl.read(real.proc(), Acl.ACCESS);
            if (acl != null) {
                if (!acl.permits(caller.uid(), caller.gid(), a, wanted)) {
                    throw new FuseException(Errno.EACCES, "access ACL");
                }
                return;
            }
        }
        int bits;
        if (caller.uid() == a.uid()) {
            bits = (a.mode() >> 6) & 7;
        } else if (caller.gid() == a.gid()) {
            bits = (a.mode() >> 3) & 7;
        } else {
            bits = a.mode() & 7;
        }
        if ((wanted & ~bits) != 0) {
            throw new FuseException(Errno.EACCES, "mode " + Integer.toOctalString(a.mode() & 07777));
        }
    }

    /** Making an entry in {@code dir} (whose {@code attributes} the caller read): write and search permission. */
    static void mayCreate(Caller caller, OverlayNode dir, Attributes attributes) throws FuseException {
        check(caller, attributes, dir.real(), W_OK | X_OK);
    }

    /**
     * Removing (or renaming away, or replacing) {@code victim} from {@code dir}: write and search permission, and in
     * a sticky directory only the owner of the entry or of the directory.
     */
    static void mayDelete(Caller caller, OverlayNode dir, Attributes victim) throws FuseException {
        if (caller.uid() == 0) {
            return; // root may search and write any directory, sticky or not: nothing to read
        }
        Attributes d = dir.attributes();
        check(caller, d, dir.real(), W_OK | X_OK);
        if ((d.mode() & S_ISVTX) != 0 && caller.uid() != 0 && caller.uid() != victim.uid()
                && caller.uid() != d.uid()) {
            throw new FuseException(Errno.EPERM, "sticky directory");
        }
    }

    /** Opening with {@code flags}: read and/or write permission. */
    static void mayOpen(Caller caller, OverlayNode node, int flags) throws FuseException {
        int access = flags & 3;
        int mask = (access == 0 || access == 2 ? R_OK : 0) | (access != 0 || (flags & 01000) != 0 ? W_OK : 0);
        check(caller, node, mask);
    }
}
