package fuse.backend.overlay.internal;

import static fuse.backend.overlay.internal.Nodes.dir;
import static fuse.backend.overlay.internal.Nodes.overlay;
import static fuse.posix.Linux.*;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.AttributeChanges;
import fuse.api.Attributes;
import fuse.api.Caller;
import fuse.api.ChangeWatch;
import fuse.api.Created;
import fuse.api.DirectoryFiller;
import fuse.api.Entry;
import fuse.api.Errno;
import fuse.api.FileSystemStats;
import fuse.api.FileType;
import fuse.api.FuseException;
import fuse.api.Handle;
import fuse.api.Node;
import fuse.api.OpenOption;
import fuse.api.Opened;
import fuse.api.policy.PassthroughPolicy;
import fuse.posix.FileNames;
import fuse.posix.HostFlush;
import fuse.posix.Posix;
import fuse.posix.Privileges;
import fuse.posix.nodes.HostFileOperations;

/**
 * A union of read-only lower directories under one writable upper directory, with kernel overlayfs's on-disk
 * format and visible semantics (as mounted with {@code index=off,redirect_dir=off,metacopy=off}), so that a tree
 * written here mounts with the kernel's overlayfs and the other way round. Trees the kernel wrote with
 * {@code redirect_dir=on}, and with the same keys here {@code metacopy=on} and {@code index=on}, are read as the
 * kernel reads them ({@link Resolver}, {@link IndexDir}); a metadata-only copy gets its data copied at its first
 * change of content, rename or link.
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
 * kernel's rule). But FUSE passthrough allows one backing file per inode while a passthrough open lives, every
 * other open of the inode must then pass through to that same (lower) file, and the kernel opens it with that
 * open's flags, so a writable shared mapping through a write open would change the lower layer (measured on
 * 6.18). Hence, while a read-only open passes a lower file through:
 * <ul>
 * <li>an open for writing fails with {@code ETXTBSY} (nothing is copied up), until those opens close;
 * <li>a read-only open of a file copied up meanwhile (by setattr, truncate or an xattr change) is served in
 * Java on the upper file ({@link Opened.Served}; the mount makes it {@code PASSTHROUGH|DIRECT_IO} with the lower
 * file's backing id): its reads show the upper content, a (read-only) mapping shows the lower one;
 * <li>the old read-only open keeps reading the lower file.
 * </ul>
 * Once the last of them closes, opens pass the upper file through again. Kernel overlayfs has no such
 * restriction; it is the price of passing lower files through.
 * The passthrough policy ({@code policy}, {@code rules}, the local backend's language) decides on top of these
 * rules: an open it sends to Java is served on the same layer file, and a served read-only open of a lower file
 * holds up nothing.
 *
 * <h2>Identity</h2>
 * See {@link NodeTable}: one node per merged object, inode numbers stable for the life of the mount.
 *
 * <h2>Not supported</h2>
 * Writing redirects (renaming a directory with lower layers answers {@code EXDEV}), metadata-only copies or index
 * entries; NFS export, xino, "xwhiteouts" and data-only lower layers.
 */
final class OverlayFileSystem implements HostFileOperations {
    private static final Logger LOG = LoggerFactory.getLogger(OverlayFileSystem.class);
    private static final ChangeWatch LAYERS_DO_NOT_CHANGE =
            new ChangeWatch(true, "layers do not change while mounted, the overlayfs rule");
    private static final int IO_FLAGS_DROPPED =
            O_CREAT | O_EXCL | O_NOCTTY | O_NOFOLLOW | O_DIRECTORY | O_PATH | O_TMPFILE | O_DIRECT;

    private static final Set<OpenOption> KEEP_LISTING = Set.of(OpenOption.CACHE_DIR, OpenOption.KEEP_CACHE);

    private final Layers layers;
    private final OverlayXattrs xattrs;
    private final NodeTable table;
    private final ReentrantLock namespace = new ReentrantLock();
    private final CopyUp copyUp;
    private final Namespace names;
    private final OverlayNode root;
    private final AtomicBoolean warnedBusy = new AtomicBoolean();
    private final HostFlush hostFlush = new HostFlush();
    /** Which opens are offered for passthrough, on top of the overlay's own rules; changes live. */
    private volatile PassthroughPolicy policy;
    private volatile boolean closed;

    private OverlayFileSystem(Layers layers, int maxNodeDescriptors) throws FuseException {
        this.layers = layers;
        this.xattrs = layers.xattrs;
        this.table = new NodeTable("overlay " + layers.settings.upper(), layers.inodes,
                layers.settings.rootless().owners(), maxNodeDescriptors);
        Resolver resolver = new Resolver(layers);
        this.copyUp = new CopyUp(layers, table, namespace);
        this.names = new Namespace(layers, table, resolver, copyUp, namespace);
        this.root = table.pinRoot(resolver.root());
        this.policy = layers.settings.policy();
    }

    static OverlayFileSystem open(Settings settings) throws FuseException {
        return open(settings, null);
    }

    /** @param mountpoint where the overlay is mounted (no layer may be there), or {@code null} */
    static OverlayFileSystem open(Settings settings, java.nio.file.Path mountpoint) throws FuseException {
        return open(settings, mountpoint, 0);
    }

    /** @param maxNodeDescriptors layer descriptors its nodes may hold at once, {@code 0} for the default */
    static OverlayFileSystem open(Settings settings, java.nio.file.Path mountpoint, int maxNodeDescriptors)
            throws FuseException {
        Layers layers = Layers.open(settings, mountpoint);
        try {
            return new OverlayFileSystem(layers, maxNodeDescriptors);
        } catch (FuseException | RuntimeException e) {
            layers.close();
            throw e;
        }
    }

    Settings settings() {
        return layers.settings;
    }

    /** For tests: see {@link Namespace#afterResolve}. */
    void afterLookupResolve(java.util.function.Consumer<String> hook) {
        names.afterResolve = hook;
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
     * Nothing changes behind an overlay: its layers must not change while it is mounted (the overlayfs rule; the
     * kernel's overlayfs caches for ever on the same grounds), so the mount may let the kernel cache names and
     * attributes for long. {@code coherence=timeout} or explicit timeouts still choose short ones.
     */
    @Override
    public ChangeWatch changeWatch() {
        return LAYERS_DO_NOT_CHANGE;
    }

    /**
     * Only the passthrough policy changes in place (new opens follow it): other layers are another overlay.
     * Settings equal to the current ones but for the policy (or the mount's own keys) are accepted, so the overlay
     * keeps its nodes and inode numbers; different ones answer {@code ENOSYS}, and the mount opens a fresh overlay
     * with them (which checks them) and swaps to it.
     */
    @Override
    public void reconfigure(java.util.Map<String, Object> configuration) throws FuseException {
        Settings next = Settings.parse(configuration);
        if (!next.withPolicy(layers.settings.policy()).equals(layers.settings)) {
            throw new FuseException(Errno.ENOSYS, "changed overlay layers take a fresh overlay: " + next);
        }
        PassthroughPolicy previous = policy;
        policy = next.policy();
        if (!previous.toString().equals(policy.toString())) {
            LOG.info("overlay {}: policy {} -> {} (applies to new opens)", layers.settings.upper(), previous, policy);
        }
    }

    // ------------------------------------------------------------------------------------------------- lookup

    @Override
    public Entry lookup(Caller caller, Node parent, String name) throws FuseException {
        FileNames.checkLookupComponent(name);
        Entry entry = names.lookup(dir(parent), name);
        if (entry == null) {
            throw new FuseException(Errno.ENOENT);
        }
        return entry;
    }

    @Override
    public void release(Node node) {
        if (node instanceof OverlayNode n) {
            table.release(n);
        }
    }

    // ------------------------------------------------------------------------------------------------ attributes

    @Override
    public Attributes getattr(Caller caller, Node node, Handle handle) throws FuseException {
        return overlay(node).attributes();
    }

    @Override
    public Attributes setattr(Caller caller, Node node, Handle handle, AttributeChanges changes)
            throws FuseException {
        OverlayNode n = overlay(node);
        layers.checkWritable();
        if (changes.size() != null) {
            if (n.isDirectory()) {
                throw new FuseException(Errno.EISDIR, "truncate of a directory");
            }
            if (n.type != FileType.REGULAR) {
                throw new FuseException(Errno.EINVAL, "truncate of a " + n.type);
            }
        }
        if (changes.size() != null) {
            copyUp.ensureData(caller, n, changes.size());
        } else {
            copyUp.ensureUpper(caller, n, CopyUp.ALL); // a metadata-only copy stays one, as in the kernel
        }
        RealFile upper = n.upper;
        int fd = upper.fd();
        if (changes.uid() != null || changes.gid() != null) {
            Owners owners = layers.settings.rootless().owners();
            int uid = changes.uid() == null ? -1 : owners.storedUid(changes.uid());
            int gid = changes.gid() == null ? -1 : owners.storedGid(changes.gid());
            Posix.fchownat(fd, "", uid, gid, AT_EMPTY_PATH);
        }
        if (changes.size() != null) {
            if (handle instanceof FileHandle file && file.writable() && !file.lowerFile()) {
                Posix.ftruncate(file.fd(), changes.size());
            } else {
                Posix.truncate(upper.proc(), changes.size());
            }
        }
        if (changes.killPrivileges()) {
            Privileges.kill(upper.fd());
        }
        if (changes.mode() != null && n.type != FileType.SYMLINK) {
            Posix.fchmodat2(fd, "", changes.mode() & S_IALLUGO, AT_EMPTY_PATH);
        }
        if (changes.atime() != null || changes.mtime() != null) {
            Posix.utimensat(fd, "", changes.atime(), changes.mtime(), AT_EMPTY_PATH);
        }
        return n.attributes();
    }

    @Override
    public String readlink(Caller caller, Node node) throws FuseException {
        OverlayNode n = overlay(node);
        if (n.type != FileType.SYMLINK) {
            throw new FuseException(Errno.EINVAL, "not a symbolic link");
        }
        return Posix.readlinkat(n.real().fd(), "");
    }

    // ---------------------------------------------------------------------------------------------- names

    @Override
    public Entry mknod(Caller caller, Node parent, String name, int mode, long rdev) throws FuseException {
        return names.mknod(caller, parent, name, mode, rdev);
    }

    @Override
    public Entry mkdir(Caller caller, Node parent, String name, int mode) throws FuseException {
        return names.mkdir(caller, parent, name, mode);
    }

    @Override
    public Entry symlink(Caller caller, Node parent, String name, String target) throws FuseException {
        return names.symlink(caller, parent, name, target);
    }

    @Override
    public Created create(Caller caller, Node parent, String name, int flags, int mode) throws FuseException {
        OverlayNode p = dir(parent);
        Entry entry;
        boolean made;
        try {
            entry = names.createFile(caller, p, name, mode);
            made = true;
        } catch (FuseException e) {
            if (e.errno() != Errno.EEXIST || (flags & O_EXCL) != 0) {
                throw e;
            }
            // Raced with another creator and O_EXCL was not asked: open what is there, as open(2) would.
            entry = names.lookup(p, name);
            if (entry == null) {
                throw e;
            }
            made = false;
        }
        OverlayNode node = (OverlayNode) entry.node();
        try {
            // The creator of a file gets the access it asked for whatever the new file's mode (open(2) with
            // O_CREAT checks the mode only of a file that already existed): no permission check on what we made.
            int openFlags = flags & ~O_CREAT;
            Opened opened = made ? openPermitted(caller, node, openFlags) : open(caller, node, openFlags);
            return new Created(entry, opened);
        } catch (FuseException | RuntimeException e) {
            table.takeBack(node); // the mount never gets the entry
            throw e;
        }
    }

    @Override
    public Entry link(Caller caller, Node node, Node newParent, String newName) throws FuseException {
        return names.link(caller, node, newParent, newName);
    }

    @Override
    public void unlink(Caller caller, Node parent, String name) throws FuseException {
        names.unlink(caller, parent, name);
    }

    @Override
    public void rmdir(Caller caller, Node parent, String name) throws FuseException {
        names.rmdir(caller, parent, name);
    }

    @Override
    public void rename(Caller caller, Node parent, String name, Node newParent, String newName, int flags)
            throws FuseException {
        names.rename(caller, parent, name, newParent, newName, flags);
    }

    // ------------------------------------------------------------------------------------------------- files

    @Override
    public Opened open(Caller caller, Node node, int flags) throws FuseException {
        OverlayNode n = overlay(node);
        if (n.type != FileType.REGULAR) {
            throw new FuseException(n.isDirectory() ? Errno.EISDIR : Errno.EINVAL, "open of a " + n.type);
        }
        if (caller.uid() != 0) {
            Permissions.mayOpen(caller, n, flags);
        }
        return openPermitted(caller, n, flags);
    }

    /**
     * Opens the regular file {@code n} for a caller already entitled to {@code flags}: the permission check was
     * made ({@link #open}) or does not apply (the caller has just created the file, {@link #create}). Every later
     * operation on the handle (read, write, ftruncate, fallocate, fsync) goes by the handle's access alone, as on
     * the host: none checks the file's mode again.
     */
    private Opened openPermitted(Caller caller, OverlayNode n, int flags) throws FuseException {
        boolean write = (flags & O_ACCMODE) != O_RDONLY;
        boolean truncate = (flags & O_TRUNC) != 0;
        if (write || truncate) {
            layers.checkWritable();
            if (write) {
                refuseWhileLowerPassedThrough(n); // before copying anything up
            }
            copyUp.ensureData(caller, n, truncate ? 0 : CopyUp.ALL);
        }
        int ioFlags = (flags & ~IO_FLAGS_DROPPED) | O_CLOEXEC;
        FileHandle handle;
        long device;
        n.lock.lock();
        try {
            if (write) {
                refuseWhileLowerPassedThrough(n); // a read-only open may have come in before the copy-up
            }
            // The upper file once copied up; a read-only open of a metadata-only copy reads its lower data.
            RealFile real = n.content();
            device = real.device;
            boolean lowerFile = !real.isUpper();
            int fd = lowerFile ? CopyUp.openLower(real, ioFlags) : Posix.openat(AT_FDCWD, real.proc(), ioFlags, 0);
            // One backing file per inode: while a lower file is passed through, the upper copy is served in Java.
            boolean offered = lowerFile ? layers.settings.passthrough() : n.lowerPassthroughOpens == 0;
            boolean passthrough = offered && policyPassesThrough(n, fd, write);
            handle = new FileHandle(n, fd, flags, lowerFile, passthrough);
            if (lowerFile && passthrough) {
                n.lowerPassthroughOpens++;
            }
        } finally {
            n.lock.unlock();
        }
        if (write && caller.uid() != 0) {
            try {
                Privileges.kill(n.upper.fd());
            } catch (FuseException | RuntimeException e) {
                release(handle);
                throw e;
            }
        }
        // KEEP_CACHE for every open that may end up served from the page cache (a mount without passthrough, a
        // refusal): the cache stays valid across opens, since a copy-up copies the very bytes (and times) cached
        // from the lower file, and a change of a layer on the host shows once the attributes are refreshed
        // (AUTO_INVAL_DATA). The mount leaves it out of passthrough replies. O_DIRECT opens go without it.
        boolean direct = (flags & O_DIRECT) != 0;
        Set<OpenOption> options = EnumSet.noneOf(OpenOption.class);
        if (!direct) {
            options.add(OpenOption.KEEP_CACHE);
        } else if (!handle.passthrough()) {
            options.add(OpenOption.DIRECT_IO);
        }
        if (!hostFlush.needed(device, handle.fd())) {
            options.add(OpenOption.NOFLUSH);
        }
        // Served: a read-only open of the copied-up file while the lower one is the inode's backing file (the
        // mount makes it PASSTHROUGH|DIRECT_IO, so reads come here; mmap maps the lower file), or a lower file of
        // a mount without passthrough.
        return handle.passthrough() ? new Opened.Passthrough(handle, handle.fd(), options)
                : new Opened.Served(handle, options);
    }

    /** Whether the passthrough policy lets this open of {@code n} (on {@code fd}, after any truncate) through. */
    private boolean policyPassesThrough(OverlayNode n, int fd, boolean write) throws FuseException {
        PassthroughPolicy current = policy;
        if (current == PassthroughPolicy.ALWAYS || current == PassthroughPolicy.NEVER) {
            return current == PassthroughPolicy.ALWAYS;
        }
        String path = current.needsPath() ? n.path() : null;
        String name = current.needsPath() ? n.name : null;
        long size = Posix.fstat(fd).attributes().size();
        return current.passthrough(new PassthroughPolicy.OpenRequest(name, path, size, write));
    }

    /**
     * While a read-only open passes a lower file through, that file is the inode's backing file for every open of
     * it (FUSE: one backing file per inode, every open of a passthrough inode must be a passthrough open), and
     * the kernel opens it with each open's own flags: a writable shared mapping through a write open would
     * change the lower layer (measured on 6.18). So an open for writing fails with {@code ETXTBSY} until those
     * opens close.
     */
    private void refuseWhileLowerPassedThrough(OverlayNode n) throws FuseException {
        n.lock.lock();
        try {
            if (n.lowerPassthroughOpens > 0) {
                if (!warnedBusy.getAndSet(true)) {
                    LOG.warn("overlay {}: refusing to open '{}' for writing while a read-only open passes its lower "
                            + "file through (ETXTBSY until it closes; the lower layer must never be written). "
                            + "Reported once per mount.", layers.settings.upper(), n.name);
                }
                throw new FuseException(Errno.ETXTBSY, "'" + n.name + "' is open read-only on its lower file");
            }
        } finally {
            n.lock.unlock();
        }
    }

    @Override
    public int write(Caller caller, Handle handle, long offset, MemorySegment data, boolean killPrivileges)
            throws FuseException {
        FileHandle file = hostFile(handle);
        return file.write(offset, data, killPrivileges && !file.lowerFile());
    }

    @Override
    public void fsync(Caller caller, Handle handle, boolean dataOnly) throws FuseException {
        FileHandle file = hostFile(handle);
        if (!layers.settings.rootless().volatileUpper()) { // volatile: kernel overlayfs's and fuse-overlayfs's option
            file.fsync(dataOnly);
        }
    }

    @Override
    public void release(Handle handle) {
        if (handle instanceof FileHandle file) {
            if (file.lowerFile() && file.passthrough()) {
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

    // ------------------------------------------------------------------------------------------- directories

    @Override
    public Handle opendir(Caller caller, Node node) throws FuseException {
        return new DirectoryHandle(dir(node));
    }

    /**
     * The kernel may cache every listing and keep it from one open to the next: the layers do not change behind
     * the overlay, and the kernel drops its copy of a directory it changed itself (a copy-up changes no listing:
     * names, types and numbers stay).
     */
    @Override
    public Set<OpenOption> directoryCaching(Node node, Handle handle) {
        return KEEP_LISTING;
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
        if (upper == null || layers.settings.rootless().volatileUpper()) {
            return;
        }
        int fd = Posix.openat(upper.fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        try {
            Posix.fsync(fd, dataOnly);
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
        layers.checkWritable();
        copyUp.ensureUpper(caller, n, CopyUp.ALL);
        Posix.setxattr(n.upper.proc(), xattrs.toReal(name), value, flags);
    }

    @Override
    public void removexattr(Caller caller, Node node, String name) throws FuseException {
        OverlayNode n = overlay(node);
        xattrPermission(caller, n, name, true);
        layers.checkWritable();
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
        Permissions.check(caller, n, mask);
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

    @Override
    public FileHandle hostFile(Handle handle) throws FuseException {
        if (handle instanceof FileHandle file) {
            return file;
        }
        throw new FuseException(Errno.EBADF, "not a file handle of the overlay backend: " + handle);
    }

    @Override
    public String toString() {
        return "OverlayFileSystem[upperdir=" + layers.settings.upper() + ", lowerdir=" + layers.settings.lowers()
                + ", policy " + policy + "]";
    }
}
