package fuse.backend.overlay.internal;

import static fuse.posix.Linux.S_IALLUGO;
import static fuse.posix.Linux.S_IFDIR;
import static fuse.posix.Linux.S_IFLNK;

import fuse.api.FuseException;

/**
 * What a new object inherits from its directory's default ACL ({@code posix_acl_create}): with one, the access ACL
 * is the default one limited by the requested mode, the mode follows from it and the umask does not apply, and a
 * directory also takes the default ACL itself; without one, the permission bits are {@code mode & ~umask}. The
 * overlay sets these explicitly, since an object made in the work directory inherits nothing from its future
 * parent, and one made in the upper directory with the server's placeholder mode would inherit the wrong mask.
 *
 * @param defaultAcl the directory's default ACL, or {@code null}
 * @param access the new object's access ACL, or {@code null}
 * @param perms the new object's permission bits
 */
record NewAcls(Acl defaultAcl, Acl access, boolean directory, int perms) {

    /** @param dir the directory's upper file (a merged directory's default ACL is its upper one, copied up) */
    static NewAcls of(RealFile dir, int type, int mode, int umask) throws FuseException {
        Acl inherited = type == S_IFLNK ? null : Acl.read(dir.proc(), Acl.DEFAULT);
        if (inherited == null) {
            return new NewAcls(null, null, false, mode & ~umask & S_IALLUGO);
        }
        Acl access = inherited.inherit(mode);
        return new NewAcls(inherited, access, type == S_IFDIR, access.mode(mode & S_IALLUGO));
    }

    /**
     * Sets the ACLs on the new object at {@code path} (after its owner and mode). Setting an access ACL that the
     * mode already says is taken by the host as the mode alone, as for any setfacl.
     */
    void apply(String path) throws FuseException {
        if (defaultAcl == null) {
            return;
        }
        XattrIo.set(path, Acl.ACCESS, access.encode(), 0, false);
        if (directory) {
            XattrIo.set(path, Acl.DEFAULT, defaultAcl.encode(), 0, false);
        }
    }
}
