package fuse.backend.overlay.internal;

import fuse.api.Errno;
import fuse.api.FuseException;

/** Checks that a name is one path component, so resolving it in a layer directory reaches only its entries. */
final class Names {
    private Names() {
    }

    /** For operations that create, remove or rename {@code name}. */
    static void check(String name) throws FuseException {
        if (name == null || name.isEmpty()) {
            throw new FuseException(Errno.ENOENT, "empty name");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new FuseException(Errno.EINVAL, "'" + name + "' is not a name of an entry");
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw new FuseException(Errno.EINVAL, "not a single path component: '" + name.replace("\0", "\\0") + "'");
        }
    }

    /** For lookup: "." and ".." name no child of the directory. */
    static void checkLookup(String name) throws FuseException {
        if (name != null && (name.equals(".") || name.equals(".."))) {
            throw new FuseException(Errno.ENOENT, "'" + name + "' is not looked up by name");
        }
        check(name);
    }
}
