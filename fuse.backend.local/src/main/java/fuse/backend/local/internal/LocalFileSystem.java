package fuse.backend.local.internal;

import static fuse.posix.Linux.*;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

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
import fuse.api.MountContext;
import fuse.api.Node;
import fuse.api.OpenOption;
import fuse.api.Opened;
import fuse.api.policy.PassthroughPolicy;
import fuse.posix.Privileges;
import fuse.posix.FileNames;
import fuse.posix.FileStat;
import fuse.posix.FsCredentials;
import fuse.posix.HostFlush;
import fuse.posix.Posix;
import fuse.posix.PosixException;
import fuse.posix.nodes.ConfiguredDirectory;
import fuse.posix.nodes.DirentBatches;
import fuse.posix.nodes.HostCreation;
import fuse.posix.nodes.HostDirectory;
import fuse.posix.nodes.HostFileOperations;
import fuse.posix.nodes.HostNodes;
import fuse.posix.nodes.HostRootSettings;
import fuse.posix.nodes.NodeDescriptor;

/**
 * A host directory served through a mount, confined beneath it.
 *
 * <p><b>Confinement.</b> Every node is reached through an {@code O_PATH} descriptor of its host file (kept by
 * {@link HostNodes}: reopened from the file's handle when it was closed to keep descriptors bounded, which leads
 * to that very file and resolves no name), and every name is one
 * component ({@link FileNames}) resolved relative to its parent's descriptor: lookups with {@code openat2} and
 * {@code RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS} plus {@code O_NOFOLLOW}, the other
 * {@code *at} calls on the final component, which they never follow. Symlinks are stored and read back, never
 * followed by the server. Calls that need a path on a node (xattrs, truncate, reopening a regular file for I/O) use
 * {@code /proc/self/fd/N}, which reaches the descriptor's own file, never a symlink's target. So no name, symlink,
 * {@code ..}, rename race or hard link gets the mount outside the root; a host process that moves a directory out
 * of the root while the mount holds it is outside this guarantee.
 *
 * <p><b>Identity.</b> Creating calls (create, mkdir, mknod, symlink) and access run with the caller's file system
 * uid and gid and supplementary groups on the calling thread when the server is root, so new files belong to the
 * caller and the host checks the caller's permission on the parent, as for the caller's own system call (FUSE
 * does not send the groups: {@link CallerGroups} reads them).
 * The new file's permission bits are exactly {@code mode & ~umask} whatever the server process's umask, or, in a
 * directory with a default ACL, what inheriting it gives ({@link NewFileMode}); the host file system copies the
 * default ACL itself.
 * Other permission checks are the kernel's ({@code default_permissions}). Operations run on the calling
 * thread, which must be a platform thread for a non-root caller's creates (file system ids are per kernel thread).
 *
 * <p><b>Privileges.</b> Passthrough writes reach the host with the server's credentials, so the kernel does not
 * clear set-user-ID/set-group-ID for them: an open for writing by a non-root caller, a write or setattr flagged
 * {@code killPrivileges}, clear them here (set-group-ID only with group execute) and remove
 * {@code security.capability}.
 */
final class LocalFileSystem implements HostFileOperations {
    private static final Logger LOG = LoggerFactory.getLogger(LocalFileSystem.class);

    /** Lookup of one component: never follow a symlink, never leave the parent. */
    private static final long BENEATH = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS;
    private static final int NODE_FLAGS = O_PATH | O_NOFOLLOW | O_CLOEXEC;
    private static final String CAPABILITY_XATTR = "security.capability";
    private static final Set<OpenOption> CACHE_LISTING = Set.of(OpenOption.CACHE_DIR);
    private static final Set<OpenOption> KEEP_LISTING = Set.of(OpenOption.CACHE_DIR, OpenOption.KEEP_CACHE);
    /** The mount key that says whether to watch ({@code fuse.mount}'s {@code coherence}). */
    private static final String COHERENCE = "coherence";

    private final Path root;
    private final String rootPrefix;
    private final HostNodes<LocalNode> nodes;
    private final HostFlush hostFlush = new HostFlush();
    private final LocalNode rootNode;
    /** The root's descriptor: open as long as the node cache is. */
    private final int rootFd;
    private final int nodeDescriptors;
    private final boolean serverIsRoot;
    private final DirentBatches direntBatches = new DirentBatches();
    private volatile PassthroughPolicy policy;
    private volatile boolean closed;
    /** How changes behind the mount are watched ({@link Settings#watch}). */
    private final String watchMethod;
    /** Changes behind the mount, reported to the kernel; {@code null} when not watching ({@link #watch}). */
    private volatile SourceWatch watch;
    /** The level of the lines saying this file system opened and closed: DEBUG for a rehearsal's. */
    private final Level lifecycleLevel;
    /** Why there is no watch. */
    private volatile String notWatching = ChangeWatch.NONE.description();

    private LocalFileSystem(Path root, PassthroughPolicy policy, HostNodes<LocalNode> nodes, int rootFd,
            int nodeDescriptors, String watchMethod, Level lifecycleLevel) {
        this.root = root;
        this.lifecycleLevel = lifecycleLevel;
        this.watchMethod = watchMethod;
        this.nodeDescriptors = nodeDescriptors;
        this.rootPrefix = root.toString().endsWith("/") ? root.toString() : root + "/";
        this.policy = policy;
        this.nodes = nodes;
        this.rootNode = nodes.root();
        this.rootFd = rootFd;
        this.serverIsRoot = Posix.geteuid() == 0;
    }

    /**
     * Opens the root.
     *
     * @throws FuseException with the refusal's errno and a message that names the setting, e.g.
     *         {@code "root: /srv/x does not exist"} (ENOENT), {@code "root: /srv/x is not a directory"} (ENOTDIR)
     */
    static LocalFileSystem open(Settings settings) throws FuseException {
        return open(settings, Level.INFO);
    }

    /** {@link #open(Settings)}, saying that it opened and closed the file system at {@code lifecycleLevel}. */
    static LocalFileSystem open(Settings settings, Level lifecycleLevel) throws FuseException {
        Path root = settings.root();
        int fd = ConfiguredDirectory.open(HostRootSettings.ROOT, root, false);
        HostNodes<LocalNode> nodes;
        try {
            nodes = HostNodes.open("local root " + root, fd, settings.nodeDescriptors(), LocalNode::new,
                    lifecycleLevel);
        } catch (FuseException | RuntimeException e) {
            Posix.closeQuietly(fd);
            throw e;
        }
        LocalFileSystem fs = new LocalFileSystem(root, settings.policy(), nodes, fd, settings.nodeDescriptors(),
                settings.watch(), lifecycleLevel);
        LOG.atLevel(lifecycleLevel).log("local file system opened: root={} policy={}", root, settings.policy());
        return fs;
    }

    /**
     * Starts watching the host for changes behind {@code mount}, as its {@code coherence} key and the
     * {@code watch} setting ask: fanotify, else inotify.
     *
     * @throws FuseException with {@code coherence=watch} when no watch can start
     */
    void watch(MountContext mount) throws FuseException {
        String coherence = String.valueOf(mount.configuration().getOrDefault(COHERENCE, "auto")).trim();
        if (coherence.equalsIgnoreCase("timeout")) {
            notWatching = "coherence=timeout";
            return;
        }
        StringBuilder why = new StringBuilder();
        SourceWatch started = watchMethod.equals(Settings.INOTIFY) ? null
                : HostWatch.start(root, rootFd, nodes, mount, why);
        if (started == null && !watchMethod.equals(Settings.FANOTIFY)) {
            try {
                started = InotifyWatch.start(root, rootNode, nodes::find, mount);
                if (!why.isEmpty()) {
                    LOG.info("local file system {}: {}; watching with inotify instead", root, why);
                }
            } catch (PosixException e) {
                why.append(why.isEmpty() ? "" : "; ").append("inotify: ").append(e.getMessage());
            }
        }
        if (started == null) {
            if (coherence.equalsIgnoreCase("watch")) {
                throw new FuseException(Errno.EINVAL, COHERENCE + "=watch: cannot watch " + root + ": " + why);
            }
            notWatching = "cannot watch: " + why;
        }
        watch = started;
    }

    @Override
    public ChangeWatch changeWatch() {
        SourceWatch w = watch;
        return w == null ? new ChangeWatch(false, notWatching) : new ChangeWatch(w.watching(), w.description());
    }

    Path rootPath() {
        return root;
    }

    PassthroughPolicy policy() {
        return policy;
    }

    /** Nodes the cache holds (not yet released), the root included: for tests and statistics. */
    int nodeCount() {
        return nodes.size();
    }

    /** Descriptors the node cache holds now: for tests and statistics. */
    int nodeDescriptors() {
        return nodes.descriptors();
    }

    @Override
    public void reconfigure(Map<String, Object> configuration) throws FuseException {
        Settings next = Settings.parse(configuration);
        if (!next.root().equals(root)) {
            throw new FuseException(Errno.EINVAL, HostRootSettings.ROOT + ": changing the root (" + root + " -> "
                    + next.root() + ") needs a remount");
        }
        if (next.nodeDescriptors() != nodeDescriptors) {
            throw new FuseException(Errno.EINVAL, Settings.NODE_DESCRIPTORS + ": changing it (" + nodeDescriptors
                    + " -> " + next.nodeDescriptors() + ") needs a remount");
        }
        if (!next.watch().equals(watchMethod)) {
            throw new FuseException(Errno.EINVAL, Settings.WATCH + ": changing it (" + watchMethod + " -> "
                    + next.watch() + ") needs a remount");
        }
        PassthroughPolicy previous = policy;
        policy = next.policy();
        LOG.info("local file system {}: policy {} -> {} (applies to new opens)", root, previous, next.policy());
    }

    @Override
    public Node root() {
        return rootNode;
    }

    // ------------------------------------------------------------------------------------------------- names

    /**
     * Two ways to find a name's node, each cheapest in its own case. A name whose node the mount still holds (the
     * kernel checking an expired entry again) costs one {@code fstatat}, no descriptor: the node's own
     * {@code O_PATH} descriptor keeps its inode, so {@code (device, inode)} still names that file, and a single
     * component with {@code AT_SYMLINK_NOFOLLOW} reaches nothing outside the parent, as the {@code openat2} does.
     * A name not known yet (a directory listed for the first time, or again after the kernel dropped its
     * caches) is best opened straight away: {@code openat2} and the descriptor's own {@code fstat}, which decides
     * which node it is. Trying the {@code fstatat} first would make that three calls.
     *
     * <p>Which case a lookup is in, the directory tells: its names are looked up in runs (a listing, a tree walk,
     * {@code ls -l}, stats after a create) that are all known or all new, so each directory remembers which way
     * its last lookup went ({@link LocalNode#lookupsFindKnown}). A wrong guess costs three calls, what either way
     * costs at worst; a name that is not there costs one either way and teaches nothing.
     */
    @Override
    public Entry lookup(Caller caller, Node parent, String name) throws FuseException {
        FileNames.checkLookupComponent(name);
        LocalNode dir = dir(parent);
        cachedByTheKernel(dir);
        try (NodeDescriptor d = dir.descriptor()) {
            int dirfd = d.fd();
            if (dir.lookupsFindKnown) {
                FileStat stat = Posix.fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW);
                LocalNode known = nodes.findHeld(stat);
                if (known != null) {
                    return new Entry(known, stat.attributes());
                }
                dir.lookupsFindKnown = false;
                return nodes.entry(Posix.openat2(dirfd, name, NODE_FLAGS, 0, BENEATH));
            }
            int before = nodes.size();
            Entry entry = nodes.entry(Posix.openat2(dirfd, name, NODE_FLAGS, 0, BENEATH));
            if (nodes.size() == before) {
                dir.lookupsFindKnown = true; // the node was there already: the next names likely are too
            }
            return entry;
        }
    }

    @Override
    public void release(Node node) {
        if (node instanceof LocalNode local) {
            nodes.release(local);
            SourceWatch w = watch;
            if (w != null && local.isDirectory() && nodes.find(local.device(), local.inode()) == null) {
                w.forgotten(local); // unless a lookup meanwhile made a new node of the directory, which keeps it
            }
        }
    }

    @Override
    public Attributes getattr(Caller caller, Node node, Handle handle) throws FuseException {
        if (handle instanceof FileHandle file) {
            return Posix.fstat(file.fd()).attributes();
        }
        try (NodeDescriptor d = local(node).descriptor()) {
            return Posix.fstat(d.fd()).attributes();
        }
    }

    @Override
    public Attributes setattr(Caller caller, Node node, Handle handle, AttributeChanges changes)
            throws FuseException {
        LocalNode n = local(node);
        try (NodeDescriptor d = n.descriptor()) {
            return setattr(n, d.fd(), handle instanceof FileHandle f ? f : null, changes);
        }
    }

    private static Attributes setattr(LocalNode n, int fd, FileHandle file, AttributeChanges changes)
            throws FuseException {
        if (changes.uid() != null || changes.gid() != null) {
            Posix.fchownat(fd, "", orUnchanged(changes.uid()), orUnchanged(changes.gid()), AT_EMPTY_PATH);
        }
        if (changes.size() != null) {
            if (n.isDirectory()) {
                throw new FuseException(Errno.EISDIR, "truncate of a directory");
            }
            if (file != null && file.writable()) {
                Posix.ftruncate(file.fd(), changes.size());
            } else if (n.type() == FileType.REGULAR) {
                Posix.truncate(Posix.procFdPath(fd), changes.size());
            } else {
                throw new FuseException(Errno.EINVAL, "truncate of a " + n.type());
            }
        }
        if (changes.killPrivileges()) {
            Privileges.kill(fd);
        }
        if (changes.mode() != null) {
            Posix.fchmodat2(fd, "", changes.mode() & S_IALLUGO, AT_EMPTY_PATH);
        }
        if (changes.atime() != null || changes.mtime() != null) {
            Posix.utimensat(fd, "", changes.atime(), changes.mtime(), AT_EMPTY_PATH);
        }
        return Posix.fstat(fd).attributes();
    }

    private static int orUnchanged(Integer id) {
        return id == null ? -1 : id;
    }

    @Override
    public String readlink(Caller caller, Node node) throws FuseException {
        LocalNode n = local(node);
        if (n.type() != FileType.SYMLINK) {
            throw new FuseException(Errno.EINVAL, "not a symbolic link");
        }
        try (NodeDescriptor d = n.descriptor()) {
            return Posix.readlinkat(d.fd(), "");
        }
    }

    @Override
    public Entry mknod(Caller caller, Node parent, String name, int mode, long rdev) throws FuseException {
        FileNames.checkComponent(name);
        try (NodeDescriptor d = dir(parent).descriptor()) {
            int dirfd = d.fd();
            int type = mode & S_IFMT;
            NewFileMode newMode = new NewFileMode(caller, dirfd, mode);
            int requested = newMode.requested();
            FileStat made;
            try (Identity as = Identity.of(caller, serverIsRoot)) {
                Posix.mknodat(dirfd, name, (type == 0 ? S_IFREG : type) | requested, rdev);
                made = Posix.fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW);
            }
            return madeOrUndone(dirfd, name, made, () -> nodes.entry(Posix.openat2(dirfd, name, NODE_FLAGS, 0,
                    BENEATH)), entry -> fixPermissions(entry, newMode));
        }
    }

    @Override
    public Entry mkdir(Caller caller, Node parent, String name, int mode) throws FuseException {
        FileNames.checkComponent(name);
        try (NodeDescriptor d = dir(parent).descriptor()) {
            int dirfd = d.fd();
            NewFileMode newMode = new NewFileMode(caller, dirfd, mode);
            int requested = newMode.requested();
            FileStat made;
            try (Identity as = Identity.of(caller, serverIsRoot)) {
                Posix.mkdirat(dirfd, name, requested);
                made = Posix.fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW);
            }
            return madeOrUndone(dirfd, name, made, () -> nodes.entry(Posix.openat2(dirfd, name,
                    NODE_FLAGS | O_DIRECTORY, 0, BENEATH)), entry -> fixPermissions(entry, newMode));
        }
    }

    @Override
    public Entry symlink(Caller caller, Node parent, String name, String target) throws FuseException {
        FileNames.checkComponent(name);
        try (NodeDescriptor d = dir(parent).descriptor()) {
            int dirfd = d.fd();
            FileStat made;
            try (Identity as = Identity.of(caller, serverIsRoot)) {
                Posix.symlinkat(target, dirfd, name);
                made = Posix.fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW);
            }
            return madeOrUndone(dirfd, name, made,
                    () -> nodes.entry(Posix.openat2(dirfd, name, NODE_FLAGS, 0, BENEATH)), entry -> entry);
        }
    }

    @Override
    public Entry link(Caller caller, Node node, Node newParent, String newName) throws FuseException {
        FileNames.checkComponent(newName);
        LocalNode n = local(node);
        try (NodeDescriptor d = dir(newParent).descriptor(); NodeDescriptor target = n.descriptor()) {
            int dirfd = d.fd();
            if (serverIsRoot) {
                // Links the node's own inode (a symlink itself, never its target); needs CAP_DAC_READ_SEARCH.
                Posix.linkat(target.fd(), "", dirfd, newName, AT_EMPTY_PATH);
            } else {
                // The magic link reaches the descriptor's own file, as AT_EMPTY_PATH would, without the capability.
                Posix.linkat(AT_FDCWD, Posix.procFdPath(target.fd()), dirfd, newName, AT_SYMLINK_FOLLOW);
            }
            FileStat made = Posix.fstatat(dirfd, newName, AT_SYMLINK_NOFOLLOW);
            return madeOrUndone(dirfd, newName, made,
                    () -> nodes.entry(Posix.openat2(dirfd, newName, NODE_FLAGS, 0, BENEATH)), entry -> entry);
        }
    }

    /** A step that turns a name just made on the host into its entry. */
    @FunctionalInterface
    private interface EntryStep {
        Entry run() throws FuseException;
    }

    /** What is left to do with the entry of a name just made (a permission fix) before the mount gets it. */
    @FunctionalInterface
    private interface EntryFinish {
        Entry apply(Entry entry) throws FuseException;
    }

    /**
     * The entry of the object just made at {@code name}, or, when that fails (no descriptor left: EMFILE, a
     * permission fix refused...), the object removed again and the failure thrown: a failed mknod, mkdir,
     * symlink, link or create leaves the host as it found it, and the cache without a node for it.
     */
    private Entry madeOrUndone(int dirfd, String name, FileStat made, EntryStep step, EntryFinish finish)
            throws FuseException {
        Entry entry;
        try {
            entry = step.run();
        } catch (FuseException | RuntimeException e) {
            HostCreation.undo(dirfd, name, made);
            throw e;
        }
        try {
            return finish.apply(entry);
        } catch (FuseException | RuntimeException e) {
            nodes.takeBack((LocalNode) entry.node());
            HostCreation.undo(dirfd, name, made);
            throw e;
        }
    }

    /**
     * Removes {@code name} again after its creation failed halfway, only while the name is still the object made
     * ({@code made}: device and inode), never what another process put there since. Needs no descriptor, so it
     * works in the very case that usually makes the creation fail, an exhausted descriptor table.
     */
    @Override
    public void unlink(Caller caller, Node parent, String name) throws FuseException {
        FileNames.checkComponent(name);
        try (NodeDescriptor d = dir(parent).descriptor()) {
            Posix.unlinkat(d.fd(), name, 0);
        }
    }

    @Override
    public void rmdir(Caller caller, Node parent, String name) throws FuseException {
        FileNames.checkComponent(name);
        try (NodeDescriptor d = dir(parent).descriptor()) {
            Posix.unlinkat(d.fd(), name, AT_REMOVEDIR);
        }
    }

    @Override
    public void rename(Caller caller, Node parent, String name, Node newParent, String newName, int flags)
            throws FuseException {
        FileNames.checkComponent(name);
        FileNames.checkComponent(newName);
        try (NodeDescriptor from = dir(parent).descriptor(); NodeDescriptor to = dir(newParent).descriptor()) {
            Posix.renameat2(from.fd(), name, to.fd(), newName, flags);
        }
    }

    // ------------------------------------------------------------------------------------------------ files

    @Override
    public Opened open(Caller caller, Node node, int flags) throws FuseException {
        LocalNode n = local(node);
        if (n.type() != FileType.REGULAR) {
            throw new FuseException(n.isDirectory() ? Errno.EISDIR : Errno.EINVAL, "open of a " + n.type());
        }
        int ioFlags = ioFlags(flags);
        boolean write = (flags & O_ACCMODE) != O_RDONLY;
        PassthroughPolicy current = policy;
        boolean passthrough;
        int fd;
        try (NodeDescriptor d = n.descriptor()) {
            if ((flags & O_DIRECT) != 0 && !current.equals(PassthroughPolicy.ALWAYS)) {
                // Decide first: a Java-served O_DIRECT open uses a buffered descriptor and FOPEN_DIRECT_IO instead.
                passthrough = decide(current, d.fd(), Posix.fstat(d.fd()).attributes().size(), write);
                fd = reopen(d, passthrough ? ioFlags : ioFlags & ~O_DIRECT);
            } else {
                fd = reopen(d, ioFlags);
                passthrough = current.equals(PassthroughPolicy.ALWAYS)
                        || decide(current, fd, Posix.fstat(fd).attributes().size(), write);
            }
        }
        return opened(caller, n, fd, flags, passthrough, write);
    }

    /** Reopens a regular file's node for I/O through its magic link: the very file, no name resolved again. */
    private static int reopen(NodeDescriptor node, int flags) throws FuseException {
        return Posix.openat(AT_FDCWD, Posix.procFdPath(node.fd()), flags, 0);
    }

    @Override
    public Created create(Caller caller, Node parent, String name, int flags, int mode) throws FuseException {
        FileNames.checkComponent(name);
        try (NodeDescriptor d = dir(parent).descriptor()) {
            return create(caller, d.fd(), name, flags, mode);
        }
    }

    private Created create(Caller caller, int dirfd, String name, int flags, int mode) throws FuseException {
        NewFileMode newMode = new NewFileMode(caller, dirfd, mode);
        int requested = newMode.requested();
        int ioFlags = ioFlags(flags);
        boolean write = (flags & O_ACCMODE) != O_RDONLY;
        PassthroughPolicy current = policy;
        HostCreation.Opened opened;
        try (Identity as = Identity.of(caller, serverIsRoot)) {
            opened = HostCreation.open(dirfd, name, ioFlags | O_NOFOLLOW, requested, BENEATH, (flags & O_EXCL) != 0);
        }
        int fd = opened.fd();
        boolean created = opened.made();
        FileStat stat;
        Entry entry;
        FileStat made = null;
        try {
            stat = Posix.fstat(fd);
            made = created ? stat : null;
            if (created && newMode.fix(fd, stat.attributes().mode())) {
                stat = Posix.fstat(fd);
            }
            // The node's O_PATH descriptor, through the magic link: the very file just opened, no name resolved
            // again, so the stat above is its own.
            int pathFd = Posix.openat(AT_FDCWD, Posix.procFdPath(fd), NODE_FLAGS & ~O_NOFOLLOW, 0);
            entry = new Entry(nodes.node(stat, pathFd), stat.attributes());
        } catch (FuseException | RuntimeException e) {
            Posix.closeQuietly(fd);
            if (made != null) {
                HostCreation.undo(dirfd, name, made);
            }
            throw e;
        }
        LocalNode n = (LocalNode) entry.node();
        try {
            boolean passthrough = current.equals(PassthroughPolicy.ALWAYS)
                    || decide(current, fd, entry.attributes().size(), write);
            return new Created(entry, opened(caller, n, fd, flags, passthrough, write));
        } catch (FuseException | RuntimeException e) {
            // The mount never gets this entry: the node goes back unless a lookup has answered it meanwhile.
            nodes.takeBack(n);
            if (made != null) {
                HostCreation.undo(dirfd, name, made);
            }
            throw e;
        }
    }

    /** The caller's open flags as a host open takes them: creation and symlink handling are the server's. */
    private static int ioFlags(int flags) {
        return (flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_NOFOLLOW | O_DIRECTORY | O_PATH | O_TMPFILE))
                | O_CLOEXEC;
    }

    private Opened opened(Caller caller, LocalNode node, int fd, int flags, boolean passthrough, boolean write)
            throws FuseException {
        FileHandle handle = new FileHandle(node, fd, flags, passthrough);
        try {
            if (write && caller.uid() != 0) {
                Privileges.kill(fd);
            }
        } catch (FuseException e) {
            handle.close();
            throw e;
        }
        // KEEP_CACHE: a file served in Java keeps its page cache from one open to the next (warm re-reads never
        // reach us); a change on the host shows once its attributes are refreshed (AUTO_INVAL_DATA). On a
        // passthrough wish it only matters when the open ends up served (passthrough off or refused). O_DIRECT
        // opens go without it, as before: they bypass the cache anyway.
        boolean direct = (flags & O_DIRECT) != 0;
        Set<OpenOption> options = EnumSet.noneOf(OpenOption.class);
        if (!direct) {
            options.add(OpenOption.KEEP_CACHE);
        } else if (!passthrough) {
            options.add(OpenOption.DIRECT_IO);
        }
        if (!hostFlush.needed(node.device(), fd)) {
            options.add(OpenOption.NOFLUSH);
        }
        return passthrough ? new Opened.Passthrough(handle, fd, options) : new Opened.Served(handle, options);
    }

    private boolean decide(PassthroughPolicy current, int fd, long size, boolean write) throws FuseException {
        String relative = null;
        String name = null;
        if (current.needsPath()) {
            relative = relativePath(fd);
            int slash = relative.lastIndexOf('/');
            name = slash < 0 ? relative : relative.substring(slash + 1);
        }
        return current.passthrough(new PassthroughPolicy.OpenRequest(name, relative, size, write));
    }

    /** Where the open file is now, relative to the root ("" if it has been moved out or deleted). */
    private String relativePath(int fd) throws FuseException {
        String path = Posix.readlinkat(AT_FDCWD, Posix.procFdPath(fd));
        if (path.endsWith(" (deleted)") || !path.startsWith(rootPrefix)) {
            int slash = path.lastIndexOf('/');
            return path.substring(slash + 1).replace(" (deleted)", "");
        }
        return path.substring(rootPrefix.length());
    }

    // ------------------------------------------------------------------------------------------- directories

    /**
     * Opens the directory and reads its change stamp: the kernel may keep a listing it cached from an earlier open
     * only while the stamp is the one seen then ({@link #directoryCaching}). The stamp is read before any entry
     * is, so a host change made while the listing is read moves it past what the next open compares with.
     */
    @Override
    public Handle opendir(Caller caller, Node node) throws FuseException {
        LocalNode n = dir(node);
        cachedByTheKernel(n);
        int fd = openDirectory(n);
        ChangeStamp stamp;
        try {
            stamp = ChangeStamp.of(Posix.fstat(fd).attributes());
        } catch (FuseException e) {
            Posix.closeQuietly(fd);
            throw e;
        }
        ChangeStamp previous = n.listedAt;
        n.listedAt = stamp;
        return new DirectoryHandle(n, fd, stamp, previous, direntBatches);
    }

    /**
     * Every listing may be cached by the kernel; what an earlier open cached is kept only when the directory's
     * change stamp has not moved since that open (nothing was added, removed or renamed on the host meanwhile).
     */
    @Override
    public Set<OpenOption> directoryCaching(Node node, Handle handle) {
        if (!(handle instanceof DirectoryHandle directory)) {
            return Set.of();
        }
        return directory.unchangedSinceLastOpen() ? KEEP_LISTING : CACHE_LISTING;
    }

    /**
     * Lists from {@code offset}, a {@code d_off} cookie of the host file system (0 = start); without an open handle
     * through a directory opened for this listing alone. Cookies (ext4 hash positions, tmpfs and xfs offsets) stay
     * valid while entries come and go, so a listing resumed from one neither repeats nor skips entries that stayed.
     * FSYNCDIR and RELEASEDIR are {@link HostFileOperations}'.
     */
    @Override
    public void readdir(Caller caller, Node node, Handle handle, long offset, DirectoryFiller filler)
            throws FuseException {
        if (handle instanceof DirectoryHandle directory) {
            directory.list(offset, filler);
            return;
        }
        try (HostDirectory once = new HostDirectory(openDirectory(dir(node)), direntBatches)) {
            once.list(offset, filler);
        }
    }

    /** A directory node opened for reading its entries. */
    private static int openDirectory(LocalNode dir) throws FuseException {
        try (NodeDescriptor d = dir.descriptor()) {
            return Posix.openat(d.fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        }
    }

    @Override
    public FileSystemStats statfs(Caller caller, Node node) throws FuseException {
        try (NodeDescriptor d = local(node).descriptor()) {
            return Posix.fstatfs(d.fd());
        }
    }

    // ------------------------------------------------------------------------------------------------ xattrs
    // O_PATH descriptors refuse the f*xattr calls, so these take the node's magic link, as passthrough_hp does.
    // It reaches the descriptor's own file; for a symlink node, the symlink itself (checked in the tests).

    @Override
    public int getxattr(Caller caller, Node node, String name, MemorySegment buffer) throws FuseException {
        try (NodeDescriptor d = local(node).descriptor()) {
            return Posix.getxattr(Posix.procFdPath(d.fd()), name, buffer);
        }
    }

    @Override
    public int listxattr(Caller caller, Node node, MemorySegment buffer) throws FuseException {
        try (NodeDescriptor d = local(node).descriptor()) {
            return Posix.listxattr(Posix.procFdPath(d.fd()), buffer);
        }
    }

    @Override
    public void setxattr(Caller caller, Node node, String name, MemorySegment value, int flags)
            throws FuseException {
        try (NodeDescriptor d = local(node).descriptor()) {
            Posix.setxattr(Posix.procFdPath(d.fd()), name, value, flags);
        }
    }

    @Override
    public void removexattr(Caller caller, Node node, String name) throws FuseException {
        try (NodeDescriptor d = local(node).descriptor()) {
            Posix.removexattr(Posix.procFdPath(d.fd()), name);
        }
    }

    @Override
    public void access(Caller caller, Node node, int mask) throws FuseException {
        try (NodeDescriptor d = local(node).descriptor(); Identity as = Identity.of(caller, serverIsRoot)) {
            Posix.faccessat(d.fd(), "", mask, AT_EMPTY_PATH | AT_EACCESS);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        SourceWatch w = watch;
        if (w != null) {
            w.close();
        }
        nodes.close();
        LOG.atLevel(lifecycleLevel).log("local file system closed: root={}", root);
    }

    // --------------------------------------------------------------------------------------------- helpers

    /** The node; and the calling thread is one of the mount's ({@link #onServerThread}). */
    private LocalNode local(Node node) throws FuseException {
        onServerThread();
        if (node instanceof LocalNode local) {
            return local;
        }
        throw new FuseException(Errno.ESTALE, "not a node of the local backend: " + node);
    }

    /** Tells the watch that the calling thread is one of the mount's, whose changes it does not report. */
    private void onServerThread() {
        SourceWatch w = watch;
        if (w != null) {
            w.serverThread();
        }
    }

    /** The kernel is about to cache names or a listing of {@code dir}: a watch that must know, is told. */
    private void cachedByTheKernel(LocalNode dir) {
        SourceWatch w = watch;
        if (w != null) {
            w.directoryUsed(dir);
        }
    }

    private LocalNode dir(Node node) throws FuseException {
        LocalNode local = local(node);
        if (!local.isDirectory()) {
            throw new FuseException(Errno.ENOTDIR, "not a directory: " + local);
        }
        return local;
    }

    /** The open file; and the calling thread is one of the mount's ({@link #onServerThread}). */
    @Override
    public FileHandle hostFile(Handle handle) throws FuseException {
        onServerThread();
        if (handle instanceof FileHandle file) {
            return file;
        }
        throw new FuseException(Errno.EBADF, "not a file handle of the local backend: " + handle);
    }

    /** A new node's permission bits made what {@code newMode} asked for ({@link NewFileMode#fix}). */
    private Entry fixPermissions(Entry entry, NewFileMode newMode) throws FuseException {
        LocalNode n = (LocalNode) entry.node();
        try (NodeDescriptor d = n.descriptor()) {
            if (!newMode.fix(d.fd(), entry.attributes().mode())) {
                return entry;
            }
            return new Entry(n, Posix.fstat(d.fd()).attributes());
        }
    }

    @Override
    public String toString() {
        return "LocalFileSystem[" + root + ", policy " + policy + "]";
    }

    /** The caller's fs uid/gid and groups for a scope when the server is root and the caller is not; else nothing. */
    private static final class Identity implements AutoCloseable {
        private static final Identity NONE = new Identity(null);
        private final FsCredentials credentials;

        private Identity(FsCredentials credentials) {
            this.credentials = credentials;
        }

        static Identity of(Caller caller, boolean serverIsRoot) throws FuseException {
            Objects.requireNonNull(caller, "caller");
            if (!serverIsRoot || (caller.uid() == 0 && caller.gid() == 0)) {
                return NONE;
            }
            if (Thread.currentThread().isVirtual()) {
                // fs credentials belong to the carrier thread, which a virtual thread may leave mid-call
                throw new FuseException(Errno.EIO, "creating as uid " + caller.uid()
                        + " needs a platform thread; the mount called on a virtual thread");
            }
            return new Identity(FsCredentials.assume(caller.uid(), caller.gid(), CallerGroups.of(caller.pid())));
        }

        @Override
        public void close() {
            if (credentials != null) {
                credentials.close();
            }
        }
    }
}
