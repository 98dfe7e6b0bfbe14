package fuse.backend.overlay.internal;

import static fuse.posix.Linux.*;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.AttributeChanges;
import fuse.api.Attributes;
import fuse.api.Caller;
import fuse.api.Created;
import fuse.api.DirectoryFiller;
import fuse.api.Entry;
import fuse.api.Errno;
import fuse.api.FileSystem;
import fuse.api.FileSystemStats;
import fuse.api.FileType;
import fuse.api.FuseException;
import fuse.api.Handle;
import fuse.api.Node;
import fuse.api.OpenOption;
import fuse.api.Opened;
import fuse.api.TimeSpec;
import fuse.posix.FileStat;
import fuse.posix.Posix;
import fuse.posix.PosixException;

/**
 * A union of read-only lower directories under one writable upper directory, with kernel overlayfs's on-disk
 * format and visible semantics (as mounted with {@code index=off,redirect_dir=off,metacopy=off}), so that a tree
 * written here mounts with the kernel's overlayfs and the other way round.
 *
 * <h2>Format</h2>
 * Whiteouts are 0/0 character devices; opaque directories carry {@code overlay.opaque = "y"} ({@code trusted.} or,
 * with {@code userxattr}, {@code user.}); new objects that replace a whiteout, copy-ups and whiteouts are made in
 * {@code workdir/work} and renamed into place ({@code RENAME_EXCHANGE} over a whiteout, {@code RENAME_WHITEOUT}
 * for a rename that must leave one), as the kernel does. See {@link Resolver} (lookup), {@link MergedListing}
 * (readdir), {@link CopyUp}.
 *
 * <h2>Changes</h2>
 * <ul>
 * <li>Any change of a lower object copies it up first (open for writing or with {@code O_TRUNC}, setattr, xattr
 * changes, link, rename), with its parent chain.
 * <li>Removing a name that exists in a lower layer leaves a whiteout; {@code rmdir} needs the merged directory to
 * be empty and removes the upper directory with its whiteouts; a directory made over a whiteout is opaque.
 * <li>Rename without redirects: a directory that has lower layers (merged or lower-only) answers {@code EXDEV}
 * (so {@code mv} copies); files and pure upper directories move, leaving a whiteout where a lower entry was;
 * a pure upper directory moved into a merged directory becomes opaque. {@code RENAME_NOREPLACE} and
 * {@code RENAME_EXCHANGE} work; {@code RENAME_WHITEOUT} from a caller is {@code EINVAL}, as in the kernel.
 * </ul>
 *
 * <h2>Opens and passthrough</h2>
 * A read-only open of a lower file passes through to the lower file; an open for writing copies up and passes
 * through to the upper file. A read-only open made before a copy-up keeps reading the lower file afterwards (the
 * kernel's rule). FUSE passthrough allows one backing file per inode while a passthrough open lives, so while
 * such a lower passthrough open lives, later opens of the copied-up file are served in Java on the upper file
 * instead ({@link Opened.Served}); the mount turns them into {@code PASSTHROUGH|DIRECT_IO} opens with the lower
 * file's backing id, so their reads and writes reach this backend (upper file) and only their {@code mmap}
 * reaches the lower file. Visible result: the old read-only open keeps seeing the old content; new opens see and
 * change the upper copy; a shared writable mapping made through such a new open would map the lower file, so it
 * must not be relied on until the last old open closes (then new opens pass through to the upper file again).
 *
 * <h2>Identity</h2>
 * See {@link NodeTable}: one node per merged object, inode numbers stable for the life of the mount.
 *
 * <h2>Not supported</h2>
 * Redirects, metacopy, index, NFS export, xino, "xwhiteouts" and data-only lower layers: trees that use them are
 * refused on lookup ({@code EPERM}) like the kernel does when those features are off.
 */
final class OverlayFileSystem implements FileSystem {
    private static final Logger LOG = LoggerFactory.getLogger(OverlayFileSystem.class);
    private static final int IO_FLAGS_DROPPED =
            O_CREAT | O_EXCL | O_NOCTTY | O_NOFOLLOW | O_DIRECTORY | O_PATH | O_TMPFILE | O_DIRECT;

    private final Layers layers;
    private final OverlayXattrs xattrs;
    private final NodeTable table;
    private final Resolver resolver;
    private final ReentrantLock namespace = new ReentrantLock();
    private final CopyUp copyUp;
    private final OverlayNode root;
    private final boolean serverIsRoot;
    private volatile boolean closed;

    private OverlayFileSystem(Layers layers) throws FuseException {
        this.layers = layers;
        this.xattrs = layers.xattrs;
        this.table = new NodeTable(layers.inodes);
        this.resolver = new Resolver(layers);
        this.copyUp = new CopyUp(layers, table, namespace);
        this.root = table.pinRoot(resolver.root());
        this.serverIsRoot = Posix.geteuid() == 0;
    }

    static OverlayFileSystem open(Settings settings) throws FuseException {
        Layers layers = Layers.open(settings);
        try {
            return new OverlayFileSystem(layers);
        } catch (FuseException | RuntimeException e) {
            layers.close();
            throw e;
        }
    }

    Settings settings() {
        return layers.settings;
    }

    /** Nodes registered, the root included: for tests. */
    int nodeCount() {
        return table.size();
    }

    @Override
    public Node root() {
        return root;
    }

    /**
     * Nothing of an overlay changes in place: other layers are another overlay. Settings equal to the current ones
     * (the mount's own keys changed) are accepted as they are, so the overlay keeps its nodes and inode numbers;
     * different ones answer {@code ENOSYS}, and the mount opens a fresh overlay with them (which checks them) and
     * swaps to it.
     */
    @Override
    public void reconfigure(java.util.Map<String, Object> configuration) throws FuseException {
        Settings next = Settings.parse(configuration);
        if (!next.equals(layers.settings)) {
            throw new FuseException(Errno.ENOSYS, "changed overlay layers take a fresh overlay: " + next);
        }
    }

    // ------------------------------------------------------------------------------------------------- lookup

    @Override
    public Entry lookup(Caller caller, Node parent, String name) throws FuseException {
        Names.checkLookup(name);
        OverlayNode p = dir(parent);
        Resolution r = resolver.resolve(p, name);
        if (r == null) {
            throw new FuseException(Errno.ENOENT);
        }
        return entry(table.intern(p, name, r));
    }

    /** The node at {@code name}, with one reference the caller gives back, or {@code null} when absent. */
    private OverlayNode find(OverlayNode parent, String name) throws FuseException {
        Resolution r = resolver.resolve(parent, name);
        return r == null ? null : table.intern(parent, name, r);
    }

    private Entry entry(OverlayNode node) throws FuseException {
        try {
            return new Entry(node, attributes(node));
        } catch (FuseException | RuntimeException e) {
            table.forget(node, 1);
            throw e;
        }
    }

    @Override
    public void forget(Node node, long count) {
        if (node instanceof OverlayNode n) {
            table.forget(n, count);
        }
    }

    // ------------------------------------------------------------------------------------------------ attributes

    @Override
    public Attributes getattr(Caller caller, Node node, Handle handle) throws FuseException {
        return attributes(overlay(node));
    }

    /**
     * The attributes of the object's current file with the node's stable number; merged directories report one
     * link, as the kernel does (counting subdirectories across layers is not worth it; find copes).
     */
    private Attributes attributes(OverlayNode node) throws FuseException {
        Attributes a = node.real().stat().attributes();
        int links = a.linkCount();
        if (node.isDirectory() && (node.upper != null ? node.hasLowerDirs() : node.lowerDirs.size() > 1)) {
            links = 1;
        }
        return new Attributes(node.inode, a.size(), a.blocks(), a.atimeSeconds(), a.atimeNanos(), a.mtimeSeconds(),
                a.mtimeNanos(), a.ctimeSeconds(), a.ctimeNanos(), a.mode(), links, a.uid(), a.gid(), a.rdev(),
                a.blockSize());
    }

    @Override
    public Attributes setattr(Caller caller, Node node, Handle handle, AttributeChanges changes)
            throws FuseException {
        OverlayNode n = overlay(node);
        writable();
        if (changes.size() != null) {
            if (n.isDirectory()) {
                throw new FuseException(Errno.EISDIR, "truncate of a directory");
            }
            if (n.type != FileType.REGULAR) {
                throw new FuseException(Errno.EINVAL, "truncate of a " + n.type);
            }
        }
        copyUp.ensureUpper(caller, n, changes.size() != null ? changes.size() : CopyUp.ALL);
        RealFile upper = n.upper;
        int fd = upper.fd();
        if (changes.uid() != null || changes.gid() != null) {
            Posix.fchownat(fd, "", orUnchanged(changes.uid()), orUnchanged(changes.gid()), AT_EMPTY_PATH);
        }
        if (changes.size() != null) {
            if (handle instanceof FileHandle file && file.writable() && !file.lowerFile()) {
                Posix.ftruncate(file.fd(), changes.size());
            } else {
                Posix.truncate(upper.proc(), changes.size());
            }
        }
        if (changes.killPrivileges()) {
            Privileges.kill(upper);
        }
        if (changes.mode() != null && n.type != FileType.SYMLINK) {
            Posix.fchmodat2(fd, "", changes.mode() & S_IALLUGO, AT_EMPTY_PATH);
        }
        if (changes.atime() != null || changes.mtime() != null) {
            TimeSpec at = changes.atime();
            TimeSpec mt = changes.mtime();
            Posix.utimensat(fd, "", seconds(at), nanos(at), seconds(mt), nanos(mt), AT_EMPTY_PATH);
        }
        return attributes(n);
    }

    private static int orUnchanged(Integer id) {
        return id == null ? -1 : id;
    }

    private static long seconds(TimeSpec t) {
        return t == null || t.isNow() ? 0 : t.seconds();
    }

    private static long nanos(TimeSpec t) {
        return t == null ? UTIME_OMIT : t.isNow() ? UTIME_NOW : t.nanos();
    }

    @Override
    public String readlink(Caller caller, Node node) throws FuseException {
        OverlayNode n = overlay(node);
        if (n.type != FileType.SYMLINK) {
            throw new FuseException(Errno.EINVAL, "not a symbolic link");
        }
        return Posix.readlinkat(n.real().fd(), "");
    }

    // ---------------------------------------------------------------------------------------------- creating

    /** Makes the new object at {@code name} in the directory {@code dirfd} (upper or work directory). */
    @FunctionalInterface
    private interface Maker {
        void make(int dirfd, String name) throws FuseException;
    }

    @Override
    public Entry mknod(Caller caller, Node parent, String name, int mode, long rdev) throws FuseException {
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
            Permissions.mayCreate(caller, attributes(p));
            throw new FuseException(Errno.EPERM, "making a device needs CAP_MKNOD");
        }
        int perms = permissions(caller, mode);
        return entry(createObject(caller, parent, name, type, perms,
                (dirfd, n) -> Posix.mknodat(dirfd, n, type | 0600, rdev)));
    }

    @Override
    public Entry mkdir(Caller caller, Node parent, String name, int mode) throws FuseException {
        int perms = permissions(caller, mode);
        return entry(createObject(caller, parent, name, S_IFDIR, perms, (dirfd, n) -> Posix.mkdirat(dirfd, n, 0700)));
    }

    @Override
    public Entry symlink(Caller caller, Node parent, String name, String target) throws FuseException {
        return entry(createObject(caller, parent, name, S_IFLNK, 0777,
                (dirfd, n) -> Posix.symlinkat(target, dirfd, n)));
    }

    @Override
    public Created create(Caller caller, Node parent, String name, int flags, int mode) throws FuseException {
        OverlayNode p = dir(parent);
        int perms = permissions(caller, mode);
        OverlayNode node;
        try {
            node = createObject(caller, p, name, S_IFREG, perms,
                    (dirfd, n) -> Posix.mknodat(dirfd, n, S_IFREG | 0600, 0));
        } catch (FuseException e) {
            if (e.errno() != Errno.EEXIST || (flags & O_EXCL) != 0) {
                throw e;
            }
            // Raced with another creator and O_EXCL was not asked: open what is there, as open(2) would.
            node = find(p, name);
            if (node == null) {
                throw e;
            }
        }
        try {
            Entry entry = new Entry(node, attributes(node));
            return new Created(entry, open(caller, node, flags & ~O_CREAT));
        } catch (FuseException | RuntimeException e) {
            table.forget(node, 1);
            throw e;
        }
    }

    /**
     * Creates a new object at {@code name}, as the kernel's {@code ovl_create_or_link}: straight in the upper
     * directory when the name is free there, or, over a whiteout, built in the work directory and swapped with the
     * whiteout ({@code RENAME_EXCHANGE}), a directory made opaque first so that the lower layers stay hidden.
     * Counts one reference on the new node.
     */
    private OverlayNode createObject(Caller caller, Node parent, String name, int type, int perms, Maker maker)
            throws FuseException {
        writable();
        Names.check(name);
        OverlayNode p = dir(parent);
        existsNot(p, name); // the VFS answers EEXIST before overlayfs copies anything up
        Permissions.mayCreate(caller, attributes(p));
        copyUp.ensureUpper(caller, p, CopyUp.ALL);
        Owner owner = owner(caller, p, type, perms);
        namespace.lock();
        try {
            existsNot(p, name);
            int pfd = p.upper.fd();
            Resolver.Slot slot = Resolver.upperSlot(pfd, name);
            if (slot == Resolver.Slot.OCCUPIED) {
                throw new FuseException(Errno.EEXIST, name);
            }
            if (slot == Resolver.Slot.WHITEOUT) {
                WorkDir work = layers.work;
                String temp = work.tempName();
                maker.make(work.fd(), temp);
                try {
                    owner.apply(work.fd(), temp);
                    if (type == S_IFDIR) {
                        xattrs.setOpaque(work.path(temp), false);
                    }
                    Posix.renameat2(work.fd(), temp, pfd, name, RENAME_EXCHANGE);
                } catch (FuseException | RuntimeException e) {
                    work.discard(temp);
                    throw e;
                }
                work.discard(temp); // the whiteout, swapped out
            } else {
                maker.make(pfd, name);
                try {
                    owner.apply(pfd, name);
                } catch (FuseException | RuntimeException e) {
                    Dirs.removeTree(pfd, name);
                    throw e;
                }
            }
            Resolution r = resolver.resolve(p, name);
            if (r == null) {
                throw new FuseException(Errno.EIO, "'" + name + "' vanished right after it was made");
            }
            return table.intern(p, name, r);
        } finally {
            namespace.unlock();
        }
    }

    private void existsNot(OverlayNode parent, String name) throws FuseException {
        Resolution existing = resolver.resolve(parent, name);
        if (existing != null) {
            existing.close();
            throw new FuseException(Errno.EEXIST, name);
        }
    }

    /** The permission bits a create asks for: {@code mode & ~umask}. */
    private static int permissions(Caller caller, int mode) {
        return mode & ~caller.umask() & S_IALLUGO;
    }

    /**
     * Who owns a new object and its mode, as the kernel's {@code inode_init_owner} computes them on the overlay
     * directory (the kernel's overlayfs then creates the upper file with these): the caller, or the directory's
     * group when it is set-group-ID (new directories inherit the bit).
     */
    private record Owner(int uid, int gid, int mode, boolean symlink, boolean chown) {
        void apply(int dirfd, String name) throws FuseException {
            if (chown) {
                Posix.fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW);
            }
            if (!symlink) {
                Posix.fchmodat(dirfd, name, mode, 0);
            }
        }
    }

    private Owner owner(Caller caller, OverlayNode parent, int type, int perms) throws FuseException {
        Attributes pa = attributes(parent);
        int gid = caller.gid();
        int mode = perms;
        if ((pa.mode() & S_ISGID) != 0) {
            gid = pa.gid();
            if (type == S_IFDIR) {
                mode |= S_ISGID;
            }
        }
        if (type != S_IFDIR && (mode & S_ISGID) != 0 && caller.uid() != 0 && gid != caller.gid()) {
            mode &= ~S_ISGID;
        }
        // Only root can give files away; an unprivileged server makes them its own, as it must.
        return new Owner(caller.uid(), gid, mode, type == S_IFLNK, serverIsRoot);
    }

    @Override
    public Entry link(Caller caller, Node node, Node newParent, String newName) throws FuseException {
        writable();
        Names.check(newName);
        OverlayNode n = overlay(node);
        OverlayNode np = dir(newParent);
        existsNot(np, newName); // the VFS reports a taken name first
        Permissions.mayCreate(caller, attributes(np));
        if (n.isDirectory()) {
            throw new FuseException(Errno.EPERM, "hard link to a directory");
        }
        copyUp.ensureUpper(caller, n, CopyUp.ALL);
        copyUp.ensureUpper(caller, np, CopyUp.ALL);
        namespace.lock();
        try {
            existsNot(np, newName);
            int pfd = np.upper.fd();
            Resolver.Slot slot = Resolver.upperSlot(pfd, newName);
            if (slot == Resolver.Slot.OCCUPIED) {
                throw new FuseException(Errno.EEXIST, newName);
            }
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
        return entry(n);
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

    @Override
    public void unlink(Caller caller, Node parent, String name) throws FuseException {
        writable();
        Names.check(name);
        OverlayNode p = dir(parent);
        checkRemovable(caller, p, name, false);
        copyUp.ensureUpper(caller, p, CopyUp.ALL);
        namespace.lock();
        try {
            Resolution r = resolver.resolve(p, name);
            if (r == null) {
                throw new FuseException(Errno.ENOENT, name);
            }
            try {
                if (r.isDirectory()) {
                    throw new FuseException(Errno.EISDIR, name);
                }
                int pfd = p.upper.fd();
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
            } finally {
                r.close();
            }
        } finally {
            namespace.unlock();
        }
    }

    @Override
    public void rmdir(Caller caller, Node parent, String name) throws FuseException {
        writable();
        Names.check(name);
        OverlayNode p = dir(parent);
        checkRemovable(caller, p, name, true);
        copyUp.ensureUpper(caller, p, CopyUp.ALL);
        namespace.lock();
        try {
            Resolution r = resolver.resolve(p, name);
            if (r == null) {
                throw new FuseException(Errno.ENOENT, name);
            }
            try {
                if (!r.isDirectory()) {
                    throw new FuseException(Errno.ENOTDIR, name);
                }
                MergedListing listing = MergedListing.read(r.upper(), r.lowerDirs(), table, xattrs);
                if (!listing.isEmpty()) {
                    throw new FuseException(Errno.ENOTEMPTY, name);
                }
                int pfd = p.upper.fd();
                boolean lowerPositive = resolver.lowerPositive(p, name);
                if (r.upper() != null && lowerPositive) {
                    // Swap a whiteout in; the old directory, with its whiteouts, is removed from the work directory.
                    WorkDir work = layers.work;
                    String whiteout = work.whiteout();
                    try {
                        Posix.renameat2(work.fd(), whiteout, pfd, name, RENAME_EXCHANGE);
                    } finally {
                        work.discard(whiteout);
                    }
                } else if (r.upper() != null) {
                    int dirfd = r.upper().fd();
                    for (String whiteout : listing.upperWhiteouts()) {
                        Posix.unlinkat(dirfd, whiteout, 0);
                    }
                    Posix.unlinkat(pfd, name, AT_REMOVEDIR);
                } else {
                    placeWhiteout(pfd, name, RENAME_NOREPLACE);
                }
            } finally {
                r.close();
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
            Permissions.mayDelete(caller, attributes(parent), r.real().stat().attributes());
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

    @Override
    public void rename(Caller caller, Node parent, String name, Node newParent, String newName, int flags)
            throws FuseException {
        writable();
        if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) != 0
                || (flags & (RENAME_NOREPLACE | RENAME_EXCHANGE)) == (RENAME_NOREPLACE | RENAME_EXCHANGE)) {
            throw new FuseException(Errno.EINVAL, "rename flags " + flags);
        }
        Names.check(name);
        Names.check(newName);
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
            Permissions.mayDelete(caller, attributes(p), attributes(old));
            if (target == null) {
                Permissions.mayCreate(caller, attributes(np));
            } else {
                Permissions.mayDelete(caller, attributes(np), attributes(target));
            }
            checkTypes(old, target, exchange);
            boolean clearTarget = !exchange && target != null && target.isDirectory() && target.hasLowerDirs();
            if (clearTarget && !MergedListing.read(target.upper, target.lowerDirs, table, xattrs).isEmpty()) {
                throw new FuseException(Errno.ENOTEMPTY, newName);
            }
            copyUp.ensureUpper(caller, old, CopyUp.ALL);
            copyUp.ensureUpper(caller, np, CopyUp.ALL);
            if (exchange) {
                copyUp.ensureUpper(caller, target, CopyUp.ALL);
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

    // ------------------------------------------------------------------------------------------------- files

    @Override
    public Opened open(Caller caller, Node node, int flags) throws FuseException {
        OverlayNode n = overlay(node);
        if (n.type != FileType.REGULAR) {
            throw new FuseException(n.isDirectory() ? Errno.EISDIR : Errno.EINVAL, "open of a " + n.type);
        }
        boolean write = (flags & O_ACCMODE) != O_RDONLY;
        boolean truncate = (flags & O_TRUNC) != 0;
        if (caller.uid() != 0) {
            Permissions.mayOpen(caller, attributes(n), flags);
        }
        if (write || truncate) {
            writable();
            copyUp.ensureUpper(caller, n, truncate ? 0 : CopyUp.ALL);
        }
        int ioFlags = (flags & ~IO_FLAGS_DROPPED) | O_CLOEXEC;
        FileHandle handle;
        n.lock.lock();
        try {
            RealFile real = n.upper != null ? n.upper : n.lower;
            boolean lowerFile = !real.isUpper();
            int fd = lowerFile ? CopyUp.openLower(real, ioFlags) : Posix.openat(AT_FDCWD, real.proc(), ioFlags, 0);
            // One backing file per inode: while a lower file is passed through, the upper copy is served in Java.
            boolean passthrough = lowerFile || n.lowerPassthroughOpens == 0;
            handle = new FileHandle(n, fd, flags, lowerFile, passthrough);
            if (lowerFile) {
                n.lowerPassthroughOpens++;
            }
        } finally {
            n.lock.unlock();
        }
        if (write && caller.uid() != 0) {
            try {
                Privileges.kill(n.upper);
            } catch (FuseException | RuntimeException e) {
                release(handle);
                throw e;
            }
        }
        if (handle.passthrough()) {
            return Opened.passthrough(handle, handle.fd());
        }
        return (flags & O_DIRECT) != 0 ? Opened.served(handle, OpenOption.DIRECT_IO) : Opened.served(handle);
    }

    @Override
    public int read(Caller caller, Handle handle, long offset, MemorySegment buffer) throws FuseException {
        return (int) Posix.preadFully(file(handle).fd(), buffer, offset);
    }

    @Override
    public int write(Caller caller, Handle handle, long offset, MemorySegment data, boolean killPrivileges)
            throws FuseException {
        FileHandle file = file(handle);
        if (killPrivileges && !file.lowerFile()) {
            Privileges.kill(file.node().upper);
        }
        return (int) Posix.pwriteFully(file.fd(), data, offset);
    }

    @Override
    public void flush(Caller caller, Handle handle) throws FuseException {
        // close(2) semantics for the layer file (NFS flushes, lock release) without closing our descriptor.
        Posix.close(Posix.dup(file(handle).fd()));
    }

    @Override
    public void fsync(Caller caller, Handle handle, boolean dataOnly) throws FuseException {
        int fd = file(handle).fd();
        if (dataOnly) {
            Posix.fdatasync(fd);
        } else {
            Posix.fsync(fd);
        }
    }

    @Override
    public void release(Handle handle) {
        if (handle instanceof FileHandle file) {
            if (file.lowerFile()) {
                OverlayNode n = file.node();
                n.lock.lock();
                try {
                    n.lowerPassthroughOpens--;
                } finally {
                    n.lock.unlock();
                }
            }
            file.close();
        }
    }

    @Override
    public void fallocate(Caller caller, Handle handle, int mode, long offset, long length) throws FuseException {
        Posix.fallocate(file(handle).fd(), mode, offset, length);
    }

    @Override
    public long lseek(Caller caller, Handle handle, long offset, int whence) throws FuseException {
        if (whence != SEEK_DATA && whence != SEEK_HOLE) {
            throw new FuseException(Errno.EINVAL, "lseek whence " + whence + " is the kernel's");
        }
        return Posix.lseek(file(handle).fd(), offset, whence);
    }

    @Override
    public long copyFileRange(Caller caller, Handle in, long inOffset, Handle out, long outOffset, long length,
            int flags) throws FuseException {
        return Posix.copyFileRange(file(in).fd(), inOffset, file(out).fd(), outOffset, length, flags);
    }

    // ------------------------------------------------------------------------------------------- directories

    @Override
    public Handle opendir(Caller caller, Node node) throws FuseException {
        return new DirectoryHandle(dir(node));
    }

    @Override
    public void readdir(Caller caller, Node node, Handle handle, long offset, DirectoryFiller filler)
            throws FuseException {
        if (!(handle instanceof DirectoryHandle directory)) {
            fill(listing(dir(node)), offset, filler);
            return;
        }
        directory.lock.lock();
        try {
            if (directory.snapshot == null || offset == 0) {
                directory.snapshot = listing(directory.node);
            }
            fill(directory.snapshot, offset, filler);
        } finally {
            directory.lock.unlock();
        }
    }

    private List<DirectoryHandle.Line> listing(OverlayNode dir) throws FuseException {
        MergedListing merged = MergedListing.read(dir.upper, dir.lowerDirs, table, xattrs);
        List<DirectoryHandle.Line> lines = new ArrayList<>(merged.entries().size() + 2);
        OverlayNode parent = dir.parent;
        lines.add(new DirectoryHandle.Line(".", dir.inode, FileType.DIRECTORY));
        lines.add(new DirectoryHandle.Line("..", parent != null ? parent.inode : dir.inode, FileType.DIRECTORY));
        for (MergedListing.Item item : merged.entries()) {
            lines.add(new DirectoryHandle.Line(item.name(), item.inode(), item.type()));
        }
        return lines;
    }

    private static void fill(List<DirectoryHandle.Line> lines, long offset, DirectoryFiller filler) {
        for (long i = Math.max(0, offset); i < lines.size(); i++) {
            DirectoryHandle.Line line = lines.get((int) i);
            if (!filler.add(line.name(), line.inode(), line.type(), i + 1)) {
                return;
            }
        }
    }

    @Override
    public void fsyncdir(Caller caller, Handle handle, boolean dataOnly) throws FuseException {
        if (!(handle instanceof DirectoryHandle directory)) {
            throw new FuseException(Errno.EBADF, "not a directory handle: " + handle);
        }
        RealFile upper = directory.node.upper;
        if (upper == null) {
            return;
        }
        int fd = Posix.openat(upper.fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        try {
            if (dataOnly) {
                Posix.fdatasync(fd);
            } else {
                Posix.fsync(fd);
            }
        } finally {
            Posix.closeQuietly(fd);
        }
    }

    @Override
    public void releasedir(Handle handle) {
        // A snapshot in memory: nothing to close.
    }

    @Override
    public FileSystemStats statfs(Caller caller, Node node) throws FuseException {
        RealFile top = layers.upper != null ? layers.upper : layers.lowers.get(0);
        return Posix.fstatfs(top.fd());
    }

    // ------------------------------------------------------------------------------------------------ xattrs

    @Override
    public int getxattr(Caller caller, Node node, String name, MemorySegment buffer) throws FuseException {
        OverlayNode n = overlay(node);
        xattrPermission(caller, n, name, false);
        return Posix.getxattr(n.real().proc(), xattrs.toReal(name), buffer);
    }

    /**
     * The VFS's {@code xattr_permission} on the overlay object, checked before any copy-up: {@code user.*} only on
     * regular files and directories, {@code trusted.*} only for root; refused writes are {@code EPERM}, refused
     * reads {@code ENODATA}.
     */
    private static void xattrPermission(Caller caller, OverlayNode node, String name, boolean write)
            throws FuseException {
        boolean refused = name.startsWith("trusted.") && caller.uid() != 0
                || name.startsWith("user.") && node.type != FileType.REGULAR && !node.isDirectory();
        if (refused) {
            throw new FuseException(write ? Errno.EPERM : Errno.ENODATA, name + " on a " + node.type);
        }
    }

    @Override
    public int listxattr(Caller caller, Node node, MemorySegment buffer) throws FuseException {
        List<String> names = XattrIo.names(overlay(node).real().proc(), true);
        StringBuilder list = new StringBuilder();
        for (String name : names) {
            String visible = xattrs.toVisible(name);
            if (visible != null) {
                list.append(visible).append('\0');
            }
        }
        byte[] bytes = list.toString().getBytes(StandardCharsets.UTF_8);
        if (buffer.byteSize() == 0) {
            return bytes.length;
        }
        if (buffer.byteSize() < bytes.length) {
            throw new FuseException(Errno.ERANGE, "xattr list of " + bytes.length + " bytes");
        }
        MemorySegment.copy(bytes, 0, buffer, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
        return bytes.length;
    }

    @Override
    public void setxattr(Caller caller, Node node, String name, MemorySegment value, int flags)
            throws FuseException {
        OverlayNode n = overlay(node);
        xattrPermission(caller, n, name, true);
        writable();
        copyUp.ensureUpper(caller, n, CopyUp.ALL);
        Posix.setxattr(n.upper.proc(), xattrs.toReal(name), value, flags);
    }

    @Override
    public void removexattr(Caller caller, Node node, String name) throws FuseException {
        OverlayNode n = overlay(node);
        xattrPermission(caller, n, name, true);
        writable();
        String real = xattrs.toReal(name);
        if (n.upper == null && XattrIo.get(n.real().proc(), real, true) == null) {
            // Nothing to remove: no reason to copy up (the kernel's ovl_xattr_set checks the lower file first).
            throw new FuseException(Errno.ENODATA, name);
        }
        copyUp.ensureUpper(caller, n, CopyUp.ALL);
        Posix.removexattr(n.upper.proc(), real);
    }

    // ------------------------------------------------------------------------------------------------ access

    /**
     * {@code access(2)} on the overlay's attributes (the kernel checks the overlay inode, not the layer file: a
     * lower file is writable if its mode says so, since writing copies it up), with the caller's uid and
     * primary group; writes to a read-only overlay fail with {@code EROFS}.
     */
    @Override
    public void access(Caller caller, Node node, int mask) throws FuseException {
        OverlayNode n = overlay(node);
        if ((mask & W_OK) != 0 && layers.readOnly()) {
            throw new FuseException(Errno.EROFS, "read-only overlay");
        }
        Permissions.check(caller, attributes(n), mask);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        table.closeAll();
        layers.close();
        LOG.info("overlay file system closed: upperdir={} lowerdir={}", layers.settings.upper(),
                layers.settings.lowers());
    }

    // --------------------------------------------------------------------------------------------- helpers

    private void writable() throws FuseException {
        if (layers.readOnly()) {
            throw new FuseException(Errno.EROFS, "read-only overlay (no upperdir)");
        }
    }

    private static OverlayNode overlay(Node node) throws FuseException {
        if (node instanceof OverlayNode n) {
            return n;
        }
        throw new FuseException(Errno.ESTALE, "not a node of the overlay backend: " + node);
    }

    private static OverlayNode dir(Node node) throws FuseException {
        OverlayNode n = overlay(node);
        if (!n.isDirectory()) {
            throw new FuseException(Errno.ENOTDIR, "not a directory: " + n);
        }
        return n;
    }

    private static FileHandle file(Handle handle) throws FuseException {
        if (handle instanceof FileHandle file) {
            return file;
        }
        throw new FuseException(Errno.EBADF, "not a file handle of the overlay backend: " + handle);
    }

    @Override
    public String toString() {
        return "OverlayFileSystem[upperdir=" + layers.settings.upper() + ", lowerdir=" + layers.settings.lowers()
                + "]";
    }
}
