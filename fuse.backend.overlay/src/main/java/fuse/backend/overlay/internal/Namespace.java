package fuse.backend.overlay.internal;

import static fuse.backend.overlay.internal.Nodes.dir;
import static fuse.backend.overlay.internal.Nodes.overlay;
import static fuse.posix.Linux.*;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import fuse.api.Attributes;
import fuse.api.Caller;
import fuse.api.Entry;
import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.api.Node;
import fuse.posix.FileNames;
import fuse.posix.FileStat;
import fuse.posix.Posix;
import fuse.posix.PosixException;

/**
 * The changes of the merged tree's names, as kernel overlayfs makes them in the upper layer (see
 * {@link OverlayFileSystem} for the rules): creating over whiteouts, removing with whiteouts, renaming without
 * redirects. Each operation first runs the checks the VFS runs before a file system is asked (existence,
 * permissions, types, emptiness), so nothing is copied up for a request that fails; then the copy-ups it needs
 * (never under the namespace lock); then, under the namespace lock, it checks the names again and changes the
 * upper directory.
 */
final class Namespace {
    private final Layers layers;
    private final OverlayXattrs xattrs;
    private final NodeTable table;
    private final Resolver resolver;
    private final CopyUp copyUp;
    private final ReentrantLock namespace;
    private final int serverUid;
    private final int serverGid;
    private final boolean serverIsRoot;
    /**
     * For tests: called with the name between a lookup's first resolution and its interning, where a concurrent
     * copy-up makes the resolution stale; {@code null} in use.
     */
    volatile Consumer<String> afterResolve;

    Namespace(Layers layers, NodeTable table, Resolver resolver, CopyUp copyUp, ReentrantLock namespace) {
        this.layers = layers;
        this.xattrs = layers.xattrs;
        this.table = table;
        this.resolver = resolver;
        this.copyUp = copyUp;
        this.namespace = namespace;
        this.serverUid = Posix.geteuid();
        this.serverGid = Posix.getegid();
        this.serverIsRoot = serverUid == 0;
    }

    /**
     * A lookup: the entry of {@code name} in {@code parent}, with one reference counted, or {@code null} when absent.
     *
     * <p>Names are looked up in runs that are all known or all new (a listing with its READDIRPLUS lookups, a tree
     * walk, stats after a create, {@code rm -rf}), so each directory remembers which way its last lookup went
     * ({@link OverlayNode#lookupsFindKnown}), as the local backend does. While they find known nodes, a name is
     * first looked at with one {@code fstatat} in the upper directory: an upper file the table holds is that node
     * (its descriptor pins the inode), and its attributes are those just read, so no layer is resolved again (no
     * {@code openat2}, no overlay xattr read, no lower layer visited: the layers do not change behind the
     * overlay). A name absent from a directory without lower layers is then answered by that one call too. A
     * wrong guess costs one call more than the full resolution.
     */
    Entry lookup(OverlayNode parent, String name) throws FuseException {
        RealFile upper = parent.upper;
        if (upper != null && parent.lookupsFindKnown) {
            FileStat stat = statIfPresent(upper, name);
            if (stat == null) {
                if (!parent.hasLowerDirs()) {
                    return null;
                }
            } else {
                OverlayNode known = stat.device() == upper.device
                        ? table.referenceUpper(stat.device(), stat.inode()) : null;
                if (known != null) {
                    Entry entry = new Entry(known, known.upper != null ? known.attributes(stat.attributes())
                            : known.attributes());
                    table.handedOver(known);
                    return entry;
                }
                parent.lookupsFindKnown = false;
            }
        }
        long serialBefore = table.nextSerial();
        OverlayNode node = find(parent, name);
        if (node == null) {
            return null;
        }
        if (node.serial < serialBefore) {
            parent.lookupsFindKnown = true; // the node was there already: the next names likely are too
        }
        return table.entry(node);
    }

    /** {@code fstatat} of {@code name} in {@code dir}, not followed; {@code null} when there is no such entry. */
    private static FileStat statIfPresent(RealFile dir, String name) throws FuseException {
        try {
            return Posix.fstatat(dir.fd(), name, AT_SYMLINK_NOFOLLOW);
        } catch (PosixException e) {
            if (e.errno() == Errno.ENOENT) {
                return null;
            }
            throw e;
        }
    }

    /**
     * The node at {@code name} (a lookup), with one reference the caller gives back, or {@code null} when absent.
     * Resolved without the namespace lock, so that lookups run in parallel; when a copy-up into the parent may have
     * made that resolution stale ({@link NodeTable#intern(OverlayNode, String, Resolution, long)}), resolved again
     * under it, where no copy-up can be placed meanwhile.
     */
    OverlayNode find(OverlayNode parent, String name) throws FuseException {
        long placedBefore = parent.copyUpsPlaced;
        Resolution r = resolver.resolve(parent, name);
        if (r == null) {
            return null;
        }
        Consumer<String> hook = afterResolve;
        if (hook != null) {
            hook.accept(name);
        }
        OverlayNode node = table.intern(parent, name, r, placedBefore);
        if (node != null) {
            return node;
        }
        namespace.lock();
        try {
            r = resolver.resolve(parent, name);
            return r == null ? null : table.intern(parent, name, r);
        } finally {
            namespace.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------- creating

    /**
     * Makes the new object at {@code name} in the directory {@code dirfd} (upper or work directory) with the
     * permission bits {@code perms} (the server's umask applies; symlinks ignore them).
     */
    @FunctionalInterface
    private interface Maker {
        void make(int dirfd, String name, int perms) throws FuseException;
    }

    /** Permission bits of an object made before its owner and mode are set: nobody else may open it meanwhile. */
    private static final int PLACEHOLDER_PERMS = 0600;

    Entry mknod(Caller caller, Node parent, String name, int mode, long rdev) throws FuseException {
        int type = (mode & S_IFMT) == 0 ? S_IFREG : mode & S_IFMT;
        if (type == S_IFDIR || type == S_IFLNK) {
            throw new FuseException(Errno.EINVAL, "mknod of a directory or symlink");
        }
        if (type == S_IFCHR && rdev == 0) {
            // The kernel's ovl_mknod: a whiteout cannot be made through the overlay.
            throw new FuseException(Errno.EPERM, "cannot create a whiteout (0/0 character device) in an overlay");
        }
        if ((type == S_IFCHR || type == S_IFBLK) && caller.uid() != 0) {
            OverlayNode p = dir(parent);
            existsNot(p, name);
            Permissions.mayCreate(caller, p, p.attributes());
            throw new FuseException(Errno.EPERM, "making a device needs CAP_MKNOD");
        }
        return createObject(caller, parent, name, type, mode,
                (dirfd, n, perms) -> Posix.mknodat(dirfd, n, type | perms, rdev));
    }

    Entry mkdir(Caller caller, Node parent, String name, int mode) throws FuseException {
        return createObject(caller, parent, name, S_IFDIR, mode, Posix::mkdirat);
    }

    Entry symlink(Caller caller, Node parent, String name, String target) throws FuseException {
        return createObject(caller, parent, name, S_IFLNK, 0777,
                (dirfd, n, perms) -> Posix.symlinkat(target, dirfd, n));
    }

    /** A new empty regular file (the first half of create); its entry, handed over as every entry here. */
    Entry createFile(Caller caller, OverlayNode parent, String name, int mode) throws FuseException {
        return createObject(caller, parent, name, S_IFREG, mode,
                (dirfd, n, perms) -> Posix.mknodat(dirfd, n, S_IFREG | perms, 0));
    }

    /**
     * Creates a new object at {@code name}, as the kernel's {@code ovl_create_or_link}: straight in the upper
     * directory when the name is free there, or, over a whiteout, built in the work directory and swapped with the
     * whiteout ({@code RENAME_EXCHANGE}), a directory made opaque first so that the lower layers stay hidden.
     * Counts one reference on the new node. The object inherits the merged parent's default ACL as the kernel's
     * overlayfs has {@code posix_acl_create} do on the overlay directory ({@link NewAcls}); without one the
     * caller's umask applies to {@code mode}.
     */
    private Entry createObject(Caller caller, Node parent, String name, int type, int mode, Maker maker)
            throws FuseException {
        layers.checkWritable();
        FileNames.checkComponent(name);
        OverlayNode p = dir(parent);
        if (p.upper == null) {
            existsNot(p, name); // the VFS answers EEXIST before overlayfs copies anything up
        }
        Attributes pa = p.realAttributes();
        try {
            Permissions.mayCreate(caller, p, p.shown(pa));
        } catch (FuseException e) {
            existsNot(p, name); // EEXIST comes first; else (the usual case) the name is checked once, locked
            throw e;
        }
        copyUp.ensureUpper(caller, p, CopyUp.ALL);
        NewAcls acls = NewAcls.of(p.upper, type, mode, caller.umask());
        Owner owner = owner(caller, pa, type, acls.perms());
        namespace.lock();
        try {
            // Without lower layers below, the upper directory alone says whether the name is free, and making the
            // object there says it too (EEXIST): the slot is looked at only then, to tell a whiteout (made over)
            // from a taken name. With lower layers the merged view is checked first.
            boolean checked = p.hasLowerDirs();
            Resolver.Slot slot = checked ? freeSlot(p, name) : Resolver.Slot.EMPTY;
            if (slot == Resolver.Slot.EMPTY) {
                Entry made = makeInPlace(p, name, maker, acls, owner, !checked);
                if (made != null) {
                    return made;
                }
                // Taken in the upper directory: by a whiteout (made over), else EEXIST.
                if (freeSlot(p, name) != Resolver.Slot.WHITEOUT) {
                    throw new FuseException(Errno.EEXIST, name);
                }
            }
            return makeOverWhiteout(p, name, type, maker, acls, owner);
        } finally {
            namespace.unlock();
        }
    }

    /**
     * Makes the object straight in the upper directory (under the namespace lock). With its final bits at once
     * when no default ACL applies and the bits are plain, and then only what differs (the owner, bits the server's
     * umask took) is set: for the usual create by the server's own user that is nothing, and the entry's
     * attributes are the ones read when the new object was opened.
     *
     * @return its entry, or {@code null} when {@code mayBeTaken} and the name was taken ({@code EEXIST})
     */
    private Entry makeInPlace(OverlayNode p, String name, Maker maker, NewAcls acls, Owner owner,
            boolean mayBeTaken) throws FuseException {
        int pfd = p.upper.fd();
        boolean finalPerms = acls.defaultAcl() == null && (owner.mode & ~0777) == 0 && owner.madeAsIs;
        try {
            maker.make(pfd, name, finalPerms ? owner.mode : PLACEHOLDER_PERMS);
        } catch (FuseException e) {
            if (mayBeTaken && e.errno() == Errno.EEXIST) {
                return null;
            }
            throw e;
        }
        try {
            if (!finalPerms) {
                owner.apply(pfd, name);
                acls.apply(p.upper.proc() + "/" + name);
                return table.entry(intern(p, name));
            }
            Resolver.Made made = made(p, name);
            OverlayNode node = table.intern(p, name, made.resolution());
            try {
                Entry entry = new Entry(node, node.attributes(owner.complete(node.upper, made.attributes())));
                table.handedOver(node);
                return entry;
            } catch (FuseException | RuntimeException e) {
                table.forget(node, 1);
                throw e;
            }
        } catch (FuseException | RuntimeException e) {
            Dirs.removeTree(pfd, name);
            throw e;
        }
    }

    /**
     * Makes the object over the whiteout at {@code name} (under the namespace lock): built in the work directory
     * and swapped with the whiteout ({@code RENAME_EXCHANGE}), a directory made opaque first so that the lower
     * layers stay hidden.
     */
    private Entry makeOverWhiteout(OverlayNode p, String name, int type, Maker maker, NewAcls acls, Owner owner)
            throws FuseException {
        int pfd = p.upper.fd();
        WorkDir work = layers.work;
        String temp = work.tempName();
        maker.make(work.fd(), temp, PLACEHOLDER_PERMS);
        try {
            owner.apply(work.fd(), temp);
            acls.apply(work.path(temp));
            if (type == S_IFDIR) {
                xattrs.setOpaque(work.path(temp), false);
            }
            Posix.renameat2(work.fd(), temp, pfd, name, RENAME_EXCHANGE);
        } catch (FuseException | RuntimeException e) {
            work.discard(temp);
            throw e;
        }
        work.discard(temp); // the whiteout, swapped out
        try {
            return table.entry(intern(p, name));
        } catch (FuseException | RuntimeException e) {
            swapInWhiteout(pfd, name); // e.g. ENFILE at the descriptor bound: nothing made after all
            throw e;
        }
    }

    /**
     * Swaps a fresh whiteout in at {@code name} and removes what was there (a file or a whole directory), now in
     * the work directory, so that the lower layers stay hidden: rmdir of a merged directory, and the undoing of a
     * create over a whiteout that failed after the new object took the whiteout's place. Under the namespace lock.
     */
    private void swapInWhiteout(int pfd, String name) throws FuseException {
        WorkDir work = layers.work;
        String whiteout = work.whiteout();
        try {
            Posix.renameat2(work.fd(), whiteout, pfd, name, RENAME_EXCHANGE);
        } finally {
            work.discard(whiteout);
        }
    }

    /** The node of what was just made at {@code name} in {@code p}'s upper directory; one reference counted. */
    private OverlayNode intern(OverlayNode p, String name) throws FuseException {
        return table.intern(p, name, made(p, name).resolution());
    }

    /** What was just made at {@code name} in {@code p}'s upper directory, opened, with its attributes then. */
    private Resolver.Made made(OverlayNode p, String name) throws FuseException {
        Resolver.Made made = resolver.made(p.upper, name);
        if (made == null) {
            throw new FuseException(Errno.EIO, "'" + name + "' vanished right after it was made");
        }
        return made;
    }

    /** {@code EEXIST} unless {@code name} is free in {@code parent}'s merged view. */
    void existsNot(OverlayNode parent, String name) throws FuseException {
        freeSlot(parent, name);
    }

    /**
     * What the upper directory holds at {@code name}, which must be free in the merged view ({@code EEXIST}
     * otherwise): {@link Resolver.Slot#EMPTY} or {@link Resolver.Slot#WHITEOUT}, or {@code null} when the parent
     * has no upper directory yet. The upper directory decides alone unless its slot is empty and lower layers
     * lie below: then they are resolved too.
     */
    private Resolver.Slot freeSlot(OverlayNode parent, String name) throws FuseException {
        RealFile upper = parent.upper;
        Resolver.Slot slot = upper == null ? null : Resolver.upperSlot(upper.fd(), name);
        if (slot == Resolver.Slot.OCCUPIED) {
            throw new FuseException(Errno.EEXIST, name);
        }
        if (slot == null || slot == Resolver.Slot.EMPTY && parent.hasLowerDirs()) {
            Resolution existing = resolver.resolve(parent, name);
            if (existing != null) {
                existing.close();
                throw new FuseException(Errno.EEXIST, name);
            }
        }
        return slot;
    }

    /**
     * Who owns a new object and its mode, as the kernel's {@code inode_init_owner} computes them on the overlay
     * directory (the kernel's overlayfs then creates the upper file with these): the caller, or the directory's
     * group when it is set-group-ID (new directories inherit the bit).
     */
    /** @param madeAsIs whether an object the server makes in the upper directory gets this owner by itself */
    private record Owner(int uid, int gid, int mode, boolean symlink, boolean chown, boolean madeAsIs) {
        void apply(int dirfd, String name) throws FuseException {
            if (chown) {
                Posix.fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW);
            }
            if (!symlink) {
                Posix.fchmodat(dirfd, name, mode, 0);
            }
        }

        /**
         * Sets what of the owner and mode the object {@code file}, made with {@link #mode} as its permission bits,
         * does not have yet ({@code made}: its attributes then); answers its attributes now.
         */
        Attributes complete(RealFile file, Attributes made) throws FuseException {
            boolean owned = !chown || made.uid() == uid && made.gid() == gid;
            boolean moded = symlink || (made.mode() & S_IALLUGO) == mode;
            if (owned && moded) {
                return made;
            }
            int fd = file.fd();
            if (!owned) {
                Posix.fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
            }
            if (!symlink) {
                Posix.fchmodat2(fd, "", mode, AT_EMPTY_PATH);
            }
            return file.stat().attributes();
        }
    }

    /** @param pa the directory's attributes as stored (not as shown) */
    private Owner owner(Caller caller, Attributes pa, int type, int perms) {
        // Stored ids: the caller's as uidmapping/gidmapping store them, the directory's group as on disk.
        Owners owners = layers.settings.rootless().owners();
        int uid = owners.storedUid(caller.uid());
        int callerGid = owners.storedGid(caller.gid());
        int gid = callerGid;
        int mode = perms;
        if ((pa.mode() & S_ISGID) != 0) {
            gid = pa.gid();
            if (type == S_IFDIR) {
                mode |= S_ISGID;
            }
        }
        if (type != S_IFDIR && (mode & S_ISGID) != 0 && caller.uid() != 0 && gid != callerGid) {
            mode &= ~S_ISGID;
        }
        // Only root can give files away; an unprivileged server makes them its own, as it must.
        boolean madeAsIs = !serverIsRoot
                || uid == serverUid && ((pa.mode() & S_ISGID) != 0 || gid == serverGid);
        return new Owner(uid, gid, mode, type == S_IFLNK, serverIsRoot, madeAsIs);
    }

    Entry link(Caller caller, Node node, Node newParent, String newName) throws FuseException {
        layers.checkWritable();
        FileNames.checkComponent(newName);
        OverlayNode n = overlay(node);
        OverlayNode np = dir(newParent);
        existsNot(np, newName); // the VFS reports a taken name first
        Permissions.mayCreate(caller, np, np.attributes());
        if (n.isDirectory()) {
            throw new FuseException(Errno.EPERM, "hard link to a directory");
        }
        copyUp.ensureData(caller, n, CopyUp.ALL); // the new name would not find a metacopy's data
        copyUp.ensureUpper(caller, np, CopyUp.ALL);
        namespace.lock();
        try {
            Resolver.Slot slot = freeSlot(np, newName);
            int pfd = np.upper.fd();
            RealFile source = n.upper;
            if (slot == Resolver.Slot.WHITEOUT) {
                WorkDir work = layers.work;
                String temp = work.tempName();
                linkTo(source, work.fd(), temp);
                try {
                    Posix.renameat2(work.fd(), temp, pfd, newName, RENAME_EXCHANGE);
                } catch (FuseException | RuntimeException e) {
                    work.discard(temp);
                    throw e;
                }
                work.discard(temp);
            } else {
                linkTo(source, pfd, newName);
            }
            table.reference(n);
        } finally {
            namespace.unlock();
        }
        return table.entry(n);
    }

    private void linkTo(RealFile source, int dirfd, String name) throws FuseException {
        if (serverIsRoot) {
            // Links the very file (a symlink itself); needs CAP_DAC_READ_SEARCH.
            Posix.linkat(source.fd(), "", dirfd, name, AT_EMPTY_PATH);
        } else {
            Posix.linkat(AT_FDCWD, source.proc(), dirfd, name, AT_SYMLINK_FOLLOW);
        }
    }

    // ---------------------------------------------------------------------------------------------- removing

    void unlink(Caller caller, Node parent, String name) throws FuseException {
        remove(caller, parent, name, false, (p, r, pfd) -> {
            if (r.isDirectory()) {
                throw new FuseException(Errno.EISDIR, name);
            }
            boolean lowerPositive = resolver.lowerPositive(p, name);
            if (r.upper() != null) {
                FileStat removed = r.upper().stat();
                if (lowerPositive) {
                    // A whiteout replaces the upper file in one step.
                    placeWhiteout(pfd, name, 0);
                } else {
                    Posix.unlinkat(pfd, name, 0);
                }
                lastLinkGone(removed);
            } else {
                placeWhiteout(pfd, name, RENAME_NOREPLACE);
            }
        });
    }

    void rmdir(Caller caller, Node parent, String name) throws FuseException {
        remove(caller, parent, name, true, (p, r, pfd) -> {
            if (!r.isDirectory()) {
                throw new FuseException(Errno.ENOTDIR, name);
            }
            MergedListing listing = MergedListing.read(r.upper(), r.lowerDirs(), table, xattrs);
            if (!listing.isEmpty()) {
                throw new FuseException(Errno.ENOTEMPTY, name);
            }
            boolean lowerPositive = resolver.lowerPositive(p, name);
            if (r.upper() != null && lowerPositive) {
                // The old directory, with its whiteouts, goes from the work directory.
                swapInWhiteout(pfd, name);
            } else if (r.upper() != null) {
                int dirfd = r.upper().fd();
                for (String whiteout : listing.upperWhiteouts()) {
                    Posix.unlinkat(dirfd, whiteout, 0);
                }
                Posix.unlinkat(pfd, name, AT_REMOVEDIR);
            } else {
                placeWhiteout(pfd, name, RENAME_NOREPLACE);
            }
        });
    }

    /** What unlink or rmdir does to the resolved name, under the namespace lock, the parent copied up. */
    @FunctionalInterface
    private interface Removal {
        void remove(OverlayNode parent, Resolution resolved, int parentFd) throws FuseException;
    }

    /**
     * The removal both unlink and rmdir make: the short way when the parent has no lower layers, else the checks,
     * the parent's copy-up, and {@code removal} on the name resolved under the namespace lock.
     */
    private void remove(Caller caller, Node parent, String name, boolean directory, Removal removal)
            throws FuseException {
        layers.checkWritable();
        FileNames.checkComponent(name);
        OverlayNode p = dir(parent);
        if (removedFromUpperOnly(caller, p, name, directory)) {
            return;
        }
        checkRemovable(caller, p, name, directory);
        copyUp.ensureUpper(caller, p, CopyUp.ALL);
        namespace.lock();
        try {
            Resolution r = resolver.resolve(p, name);
            if (r == null) {
                throw new FuseException(Errno.ENOENT, name);
            }
            try {
                removal.remove(p, r, p.upper.fd());
            } finally {
                r.close();
            }
        } finally {
            namespace.unlock();
        }
    }

    /**
     * Removes {@code name} from a directory without lower layers the short way, when it can: nothing lies below
     * there (no whiteout to leave, no copy-up), so one {@code fstatat} of the name decides, under the namespace
     * lock, and the entry goes with one {@code unlinkat}. A directory goes that way only when it is a node the
     * table knows to have no lower layers either, and its upper directory is empty (whiteouts in it take the
     * long way). {@code false}: nothing done, the caller takes the long way (and reports what is wrong).
     */
    private boolean removedFromUpperOnly(Caller caller, OverlayNode p, String name, boolean directory)
            throws FuseException {
        RealFile upper = p.upper;
        if (upper == null || p.hasLowerDirs()) {
            return false;
        }
        namespace.lock();
        try {
            FileStat stat = statIfPresent(upper, name);
            if (stat == null || stat.device() != upper.device) {
                return false; // absent, or a mount point: the long way says which error
            }
            Attributes a = stat.attributes();
            if (Resolver.isWhiteout(a) || a.isDirectory() != directory) {
                return false;
            }
            if (directory) {
                OverlayNode node = table.upperNode(stat.device(), stat.inode());
                if (node == null || node.hasLowerDirs()) {
                    return false;
                }
            }
            Permissions.mayDelete(caller, p, p.shown(a));
            if (!directory) {
                Posix.unlinkat(upper.fd(), name, 0);
                lastLinkGone(stat);
                return true;
            }
            try {
                Posix.unlinkat(upper.fd(), name, AT_REMOVEDIR);
                return true;
            } catch (PosixException e) {
                if (e.errno() == Errno.ENOTEMPTY) {
                    return false; // it may hold only whiteouts: the long way tells
                }
                throw e;
            }
        } finally {
            namespace.unlock();
        }
    }

    /**
     * What the VFS and overlayfs check before the parent is copied up for a removal: the name exists, has the
     * right type and, for a directory, is empty in the merged view. Checked again under the namespace lock.
     */
    private void checkRemovable(Caller caller, OverlayNode parent, String name, boolean directory)
            throws FuseException {
        Resolution r = resolver.resolve(parent, name);
        if (r == null) {
            throw new FuseException(Errno.ENOENT, name);
        }
        try {
            Permissions.mayDelete(caller, parent, parent.shown(r.real().stat().attributes()));
            if (r.isDirectory() != directory) {
                throw new FuseException(directory ? Errno.ENOTDIR : Errno.EISDIR, name);
            }
            if (directory && !MergedListing.read(r.upper(), r.lowerDirs(), table, xattrs).isEmpty()) {
                throw new FuseException(Errno.ENOTEMPTY, name);
            }
        } finally {
            r.close();
        }
    }

    /** Makes a whiteout in the work directory and renames it to {@code name} in {@code dirfd}. */
    private void placeWhiteout(int dirfd, String name, int renameFlags) throws FuseException {
        WorkDir work = layers.work;
        String whiteout = work.whiteout();
        try {
            Posix.renameat2(work.fd(), whiteout, dirfd, name, renameFlags);
        } catch (FuseException | RuntimeException e) {
            work.discard(whiteout);
            throw e;
        }
    }

    private void lastLinkGone(FileStat removed) {
        if (removed.attributes().linkCount() <= 1) {
            table.forgetOrigin(removed.device(), removed.inode());
        }
    }

    // ------------------------------------------------------------------------------------------------ rename

    void rename(Caller caller, Node parent, String name, Node newParent, String newName, int flags)
            throws FuseException {
        layers.checkWritable();
        if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) != 0
                || (flags & (RENAME_NOREPLACE | RENAME_EXCHANGE)) == (RENAME_NOREPLACE | RENAME_EXCHANGE)) {
            throw new FuseException(Errno.EINVAL, "rename flags " + flags);
        }
        FileNames.checkComponent(name);
        FileNames.checkComponent(newName);
        OverlayNode p = dir(parent);
        OverlayNode np = dir(newParent);
        boolean exchange = (flags & RENAME_EXCHANGE) != 0;
        OverlayNode old = find(p, name);
        if (old == null) {
            throw new FuseException(Errno.ENOENT, name);
        }
        OverlayNode target = null;
        try {
            target = find(np, newName);
            if (!checkRename(old, target, p, np, exchange, (flags & RENAME_NOREPLACE) != 0)) {
                return;
            }
            Permissions.mayDelete(caller, p, old.attributes());
            if (target == null) {
                Permissions.mayCreate(caller, np, np.attributes());
            } else {
                Permissions.mayDelete(caller, np, target.attributes());
            }
            checkTypes(old, target, exchange);
            boolean clearTarget = !exchange && target != null && target.isDirectory() && target.hasLowerDirs();
            if (clearTarget && !MergedListing.read(target.upper, target.lowerDirs, table, xattrs).isEmpty()) {
                throw new FuseException(Errno.ENOTEMPTY, newName);
            }
            // A metadata-only copy finds its data by its name (no redirect is written here): data first.
            copyUp.ensureData(caller, old, CopyUp.ALL);
            copyUp.ensureUpper(caller, np, CopyUp.ALL);
            if (exchange) {
                copyUp.ensureData(caller, target, CopyUp.ALL);
            }
            namespace.lock();
            try {
                renameLocked(p, name, np, newName, old, target, exchange, clearTarget);
            } finally {
                namespace.unlock();
            }
        } finally {
            table.forget(old, 1);
            if (target != null) {
                table.forget(target, 1);
            }
        }
    }

    /**
     * The checks {@code renameat2} makes before {@code vfs_rename}, in their order (the permission and type checks
     * of {@code vfs_rename} follow in the caller).
     *
     * @return {@code false} when there is nothing to do: both names are links of one file
     */
    private static boolean checkRename(OverlayNode old, OverlayNode target, OverlayNode p, OverlayNode np,
            boolean exchange, boolean noreplace) throws FuseException {
        if (exchange && target == null) {
            throw new FuseException(Errno.ENOENT, "exchange target");
        }
        if (noreplace && target != null) {
            throw new FuseException(Errno.EEXIST, "rename target");
        }
        if (isSelfOrAncestor(old, np)) {
            throw new FuseException(Errno.EINVAL, "rename of a directory into itself");
        }
        if (target != null && isSelfOrAncestor(target, p)) {
            throw new FuseException(exchange ? Errno.EINVAL : Errno.ENOTEMPTY, "rename over an ancestor");
        }
        return target != old;
    }

    /** {@code may_delete}'s type checks, then overlayfs's own: directories with lower layers cannot move. */
    private static void checkTypes(OverlayNode old, OverlayNode target, boolean exchange) throws FuseException {
        String name = old.name;
        if (!exchange && target != null) {
            if (old.isDirectory() && !target.isDirectory()) {
                throw new FuseException(Errno.ENOTDIR, "rename of a directory over a non-directory");
            }
            if (!old.isDirectory() && target.isDirectory()) {
                throw new FuseException(Errno.EISDIR, "rename of a non-directory over a directory");
            }
        }
        // Without redirects, a directory that has lower layers cannot move (the kernel's ovl_can_move).
        if (old.isDirectory() && old.hasLowerDirs()) {
            throw new FuseException(Errno.EXDEV, "'" + name + "' is a merged or lower directory (no redirect_dir)");
        }
        if (exchange && target.isDirectory() && target.hasLowerDirs()) {
            throw new FuseException(Errno.EXDEV, "exchange target is a merged or lower directory");
        }
    }

    private static boolean isSelfOrAncestor(OverlayNode dir, OverlayNode node) {
        for (OverlayNode n = node; n != null; n = n.parent) {
            if (n == dir) {
                return true;
            }
        }
        return false;
    }

    /** The kernel's {@code ovl_rename} after the copy-ups, under the namespace lock. */
    private void renameLocked(OverlayNode p, String name, OverlayNode np, String newName, OverlayNode old,
            OverlayNode target, boolean exchange, boolean clearTarget) throws FuseException {
        if (!matches(p, name, old) || !matches(np, newName, target)) {
            throw new FuseException(Errno.ESTALE, "the names changed during the rename");
        }
        int opfd = p.upper.fd();
        int npfd = np.upper.fd();
        linkUp(opfd, name, old);
        if (exchange) {
            linkUp(npfd, newName, target);
        }
        boolean oldLowerPositive = resolver.lowerPositive(p, name);
        Resolver.Slot newSlot = Resolver.upperSlot(npfd, newName);
        int renameFlags = exchange ? RENAME_EXCHANGE : 0;
        boolean removeSwappedWhiteout = false;
        boolean whiteoutAfter = false;
        if (!exchange) {
            if (oldLowerPositive) {
                if (newSlot == Resolver.Slot.WHITEOUT) {
                    renameFlags = RENAME_EXCHANGE; // the target's whiteout moves to the old name
                } else if (layers.work.renameWhiteout) {
                    renameFlags = RENAME_WHITEOUT;
                } else {
                    whiteoutAfter = true;
                }
            } else if (old.isDirectory() && newSlot == Resolver.Slot.WHITEOUT) {
                renameFlags = RENAME_EXCHANGE; // a directory cannot replace a whiteout; swap and drop it
                removeSwappedWhiteout = true;
            }
        }
        if (clearTarget && target.upper != null) {
            clearEmpty(np, newName);
        }
        if (old.isDirectory() && np.hasLowerDirs() && !isOpaque(old.upper)) {
            xattrs.setOpaque(old.upper.proc(), true);
        }
        if (exchange && target.isDirectory() && p.hasLowerDirs() && !isOpaque(target.upper)) {
            xattrs.setOpaque(target.upper.proc(), true);
        }
        FileStat replaced = null;
        if (!exchange && newSlot == Resolver.Slot.OCCUPIED && target != null && !target.isDirectory()) {
            replaced = target.upper.stat();
        }
        Posix.renameat2(opfd, name, npfd, newName, renameFlags);
        if (removeSwappedWhiteout) {
            Posix.unlinkat(opfd, name, 0);
        }
        if (whiteoutAfter) {
            placeWhiteout(opfd, name, RENAME_NOREPLACE);
        }
        if (replaced != null) {
            lastLinkGone(replaced);
        }
        table.moved(old, np, newName);
        if (exchange) {
            table.moved(target, p, name);
        }
    }

    /**
     * A lower hard link found through the kernel's index ({@code index=on}) is its indexed upper copy but has no
     * name of its own in the upper directory yet: links it there before it moves (the kernel's
     * {@code ovl_link_up}).
     */
    private void linkUp(int dirfd, String name, OverlayNode node) throws FuseException {
        if (!node.isDirectory() && node.upper != null && Resolver.upperSlot(dirfd, name) == Resolver.Slot.EMPTY) {
            linkTo(node.upper, dirfd, name);
        }
    }

    /** Whether {@code name} in {@code parent} still is {@code node} (or still absent, for {@code null}). */
    private boolean matches(OverlayNode parent, String name, OverlayNode node) throws FuseException {
        Resolution r = resolver.resolve(parent, name);
        try {
            if (r == null || node == null) {
                return r == null && node == null;
            }
            RealFile now = r.real();
            RealFile known = node.real();
            return now.isUpper() == known.isUpper() && now.device == known.device && now.inode == known.inode;
        } finally {
            if (r != null) {
                r.close();
            }
        }
    }

    private boolean isOpaque(RealFile dir) throws FuseException {
        return xattrs.opacity(dir.proc()) == OverlayXattrs.Opacity.OPAQUE;
    }

    /**
     * Replaces the merged-empty upper directory at {@code name} with an empty opaque one (the kernel's
     * {@code ovl_clear_empty}), so that a rename can replace it: the old one holds whiteouts, which make it
     * non-empty to the upper file system.
     */
    private void clearEmpty(OverlayNode parent, String name) throws FuseException {
        WorkDir work = layers.work;
        String temp = work.tempName();
        Posix.mkdirat(work.fd(), temp, 0700);
        try {
            xattrs.setOpaque(work.path(temp), false);
            Posix.renameat2(work.fd(), temp, parent.upper.fd(), name, RENAME_EXCHANGE);
        } finally {
            work.discard(temp);
        }
    }
}
