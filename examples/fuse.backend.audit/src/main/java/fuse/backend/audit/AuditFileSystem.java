package fuse.backend.audit;

import static fuse.posix.Linux.AT_EMPTY_PATH;
import static fuse.posix.Linux.AT_FDCWD;
import static fuse.posix.Linux.AT_REMOVEDIR;
import static fuse.posix.Linux.O_ACCMODE;
import static fuse.posix.Linux.O_CLOEXEC;
import static fuse.posix.Linux.O_CREAT;
import static fuse.posix.Linux.O_DIRECTORY;
import static fuse.posix.Linux.O_EXCL;
import static fuse.posix.Linux.O_NOCTTY;
import static fuse.posix.Linux.O_NOFOLLOW;
import static fuse.posix.Linux.O_PATH;
import static fuse.posix.Linux.O_RDONLY;
import static fuse.posix.Linux.O_TRUNC;
import static fuse.posix.Linux.RESOLVE_BENEATH;
import static fuse.posix.Linux.RESOLVE_NO_MAGICLINKS;

import java.lang.foreign.MemorySegment;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.AttributeChanges;
import fuse.api.Attributes;
import fuse.api.Caller;
import fuse.api.Created;
import fuse.api.Entry;
import fuse.api.Errno;
import fuse.api.FileSystemStats;
import fuse.api.FuseException;
import fuse.api.Handle;
import fuse.api.Node;
import fuse.api.Opened;
import fuse.posix.Posix;
import fuse.posix.nodes.ConfiguredDirectory;
import fuse.posix.nodes.DirentBatches;
import fuse.posix.nodes.HostCreation;
import fuse.posix.nodes.HostDirectory;
import fuse.posix.nodes.HostFileOperations;
import fuse.posix.nodes.HostNodes;
import fuse.posix.nodes.HostRootSettings;
import fuse.posix.nodes.NodeDescriptor;

/**
 * One mount's view of a host directory. Every file is reached from an {@code O_PATH} descriptor of its parent
 * with {@code openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)}, so no name, symlink or {@code ..} leads outside
 * the root; {@link HostNodes} keeps the nodes and their descriptors, bounded however many files the kernel knows. An open of a file whose name matches the {@code audit} glob is logged and served here (reads and
 * writes come through {@link #read}/{@link #write}); every other open hands the kernel the file's descriptor, and
 * the kernel passes it through.
 *
 * <p>Files are created and changed with the container's credentials (no per-caller identity): mount it for
 * trusted users, or read-only (the default).
 */
final class AuditFileSystem implements HostFileOperations {
    private static final Logger LOG = LoggerFactory.getLogger(AuditFileSystem.class);
    private static final long RESOLVE = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;

    private final String rootPath;
    private final String mountpoint;
    private final HostNodes<AuditNode> nodes;
    private final DirentBatches batches = new DirentBatches();
    private volatile Settings settings;

    private AuditFileSystem(Settings settings, String mountpoint, HostNodes<AuditNode> nodes) {
        this.settings = settings;
        this.rootPath = settings.root().toString();
        this.mountpoint = mountpoint;
        this.nodes = nodes;
    }

    static AuditFileSystem open(Settings settings, String mountpoint) throws FuseException {
        int fd = ConfiguredDirectory.open(HostRootSettings.ROOT, settings.root(), false);
        HostNodes<AuditNode> nodes;
        try {
            nodes = HostNodes.open("audit root " + settings.root(), fd, 0, AuditNode::new);
        } catch (FuseException | RuntimeException e) {
            Posix.closeQuietly(fd);
            throw e;
        }
        LOG.info("audit file system for {}: root {}, auditing {}, {}", mountpoint, settings.root(), settings.audit(),
                settings.writable() ? "writable" : "read-only");
        return new AuditFileSystem(settings, mountpoint, nodes);
    }

    /** The audit glob and write permission change live; another root needs a new file system. */
    @Override
    public void reconfigure(Map<String, Object> configuration) throws FuseException {
        Settings next = Settings.parse(configuration);
        if (!next.root().toString().equals(rootPath)) {
            throw new FuseException(Errno.EINVAL, HostRootSettings.ROOT + ": changing it needs a new file system");
        }
        settings = next;
        LOG.info("audit file system for {}: auditing {}, {}", mountpoint, next.audit(),
                next.writable() ? "writable" : "read-only");
    }

    @Override
    public void close() {
        nodes.close();
        LOG.info("audit file system for {}: closed", mountpoint);
    }

    // ---- names -------------------------------------------------------------------------------------------------

    @Override
    public Node root() {
        return nodes.root();
    }

    @Override
    public Entry lookup(Caller caller, Node parent, String name) throws FuseException {
        try (NodeDescriptor dir = descriptor(parent)) {
            return entry(dir.fd(), name);
        }
    }

    private Entry entry(int dirfd, String name) throws FuseException {
        return nodes.entry(Posix.openat2(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0, RESOLVE));
    }

    /** The mount is done with the node: the cache lets it go. */
    @Override
    public void release(Node node) {
        nodes.release((AuditNode) node);
    }

    @Override
    public Attributes getattr(Caller caller, Node node, Handle handle) throws FuseException {
        if (handle instanceof FileHandle file) {
            return Posix.fstat(file.fd()).attributes();
        }
        try (NodeDescriptor d = descriptor(node)) {
            return Posix.fstat(d.fd()).attributes();
        }
    }

    @Override
    public String readlink(Caller caller, Node node) throws FuseException {
        try (NodeDescriptor d = descriptor(node)) {
            return Posix.readlinkat(d.fd(), "");
        }
    }

    @Override
    public FileSystemStats statfs(Caller caller, Node node) throws FuseException {
        try (NodeDescriptor d = nodes.root().descriptor()) {
            return Posix.fstatfs(d.fd());
        }
    }

    // ---- files -------------------------------------------------------------------------------------------------

    @Override
    public Opened open(Caller caller, Node node, int flags) throws FuseException {
        if (writes(flags)) {
            requireWritable();
        }
        int fd;
        try (NodeDescriptor d = descriptor(node)) {
            fd = Posix.openat(AT_FDCWD, Posix.procFdPath(d.fd()),
                    (flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_NOFOLLOW)) | O_CLOEXEC, 0);
        }
        return decide(caller, fd, flags);
    }

    @Override
    public Created create(Caller caller, Node parent, String name, int flags, int mode) throws FuseException {
        requireWritable();
        try (NodeDescriptor dir = descriptor(parent)) {
            // The kernel's mode carries the file type (S_IFREG), which openat2 refuses: only permission bits go.
            HostCreation.Opened opened = HostCreation.open(dir.fd(), name,
                    (flags | O_CLOEXEC) & ~(O_CREAT | O_EXCL | O_NOCTTY), mode & 07777 & ~caller.umask(), RESOLVE,
                    (flags & O_EXCL) != 0);
            int fd = opened.fd();
            Entry entry = null;
            try {
                entry = entry(dir.fd(), name);
                return new Created(entry, decide(caller, fd, flags));
            } catch (FuseException | RuntimeException e) {
                // The mount never gets this entry: the node goes back unless a lookup has answered it meanwhile,
                // and a file made here goes too.
                if (entry != null) {
                    nodes.takeBack((AuditNode) entry.node());
                }
                if (opened.made()) {
                    HostCreation.undo(dir.fd(), name, fd);
                }
                Posix.closeQuietly(fd);
                throw e;
            }
        }
    }

    /** Audited files are served here and logged; everything else passes through to the kernel. */
    private Opened decide(Caller caller, int fd, int flags) throws FuseException {
        String path = relativePath(fd);
        String name = path.substring(path.lastIndexOf('/') + 1);
        if (!settings.audits(name)) {
            return Opened.passthrough(new FileHandle(fd, flags, null), fd);
        }
        LOG.info("audit: {} opened {}{} by uid {} (pid {})", mountpoint, path,
                writes(flags) ? " for writing" : "", caller.uid(), caller.pid());
        return Opened.served(new FileHandle(fd, flags, path));
    }

    /** Reads, flush, fsync, fallocate, lseek and copy_file_range are {@link HostFileOperations}'. */
    @Override
    public int write(Caller caller, Handle handle, long offset, MemorySegment data, boolean killPrivileges)
            throws FuseException {
        requireWritable();
        return HostFileOperations.super.write(caller, handle, offset, data, killPrivileges);
    }

    @Override
    public void release(Handle handle) {
        FileHandle file = (FileHandle) handle;
        file.close();
        if (file.audited()) {
            LOG.info("audit: {} closed {}: {} bytes read, {} bytes written", mountpoint, file.path,
                    file.bytesRead.sum(), file.bytesWritten.sum());
        }
    }

    // ---- directories -------------------------------------------------------------------------------------------

    /** Listing, fsyncdir and releasedir are {@link HostFileOperations}', from the host's {@code d_off} cookies. */
    @Override
    public Handle opendir(Caller caller, Node node) throws FuseException {
        try (NodeDescriptor d = descriptor(node)) {
            return new HostDirectory(Posix.openat(d.fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0), batches);
        }
    }

    // ---- changes (writable only) -------------------------------------------------------------------------------

    @Override
    public Attributes setattr(Caller caller, Node node, Handle handle, AttributeChanges changes)
            throws FuseException {
        requireWritable();
        try (NodeDescriptor d = descriptor(node)) {
            return setattr(d.fd(), handle, changes);
        }
    }

    private static Attributes setattr(int fd, Handle handle, AttributeChanges changes) throws FuseException {
        String path = Posix.procFdPath(fd);
        if (changes.mode() != null) {
            Posix.fchmodat(AT_FDCWD, path, changes.mode() & 07777, 0);
        }
        if (changes.uid() != null || changes.gid() != null) {
            Posix.fchownat(fd, "", changes.uid() == null ? -1 : changes.uid(),
                    changes.gid() == null ? -1 : changes.gid(), AT_EMPTY_PATH);
        }
        if (changes.size() != null) {
            if (handle instanceof FileHandle file) {
                Posix.ftruncate(file.fd(), changes.size());
            } else {
                Posix.truncate(path, changes.size());
            }
        }
        if (changes.atime() != null || changes.mtime() != null) {
            Posix.utimensat(AT_FDCWD, path, changes.atime(), changes.mtime(), 0);
        }
        return Posix.fstat(fd).attributes();
    }

    @Override
    public Entry mkdir(Caller caller, Node parent, String name, int mode) throws FuseException {
        requireWritable();
        try (NodeDescriptor dir = descriptor(parent)) {
            Posix.mkdirat(dir.fd(), name, mode & 07777 & ~caller.umask());
        }
        return lookup(caller, parent, name);
    }

    @Override
    public void unlink(Caller caller, Node parent, String name) throws FuseException {
        requireWritable();
        try (NodeDescriptor dir = descriptor(parent)) {
            Posix.unlinkat(dir.fd(), name, 0);
        }
    }

    @Override
    public void rmdir(Caller caller, Node parent, String name) throws FuseException {
        requireWritable();
        try (NodeDescriptor dir = descriptor(parent)) {
            Posix.unlinkat(dir.fd(), name, AT_REMOVEDIR);
        }
    }

    @Override
    public void rename(Caller caller, Node parent, String name, Node newParent, String newName, int flags)
            throws FuseException {
        requireWritable();
        try (NodeDescriptor from = descriptor(parent); NodeDescriptor to = descriptor(newParent)) {
            Posix.renameat2(from.fd(), name, to.fd(), newName, flags);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /** The node's descriptor for one use ({@link HostNodes} keeps the descriptors of recently used nodes). */
    private static NodeDescriptor descriptor(Node node) throws FuseException {
        return ((AuditNode) node).descriptor();
    }

    private static boolean writes(int flags) {
        return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0;
    }

    private void requireWritable() throws FuseException {
        if (!settings.writable()) {
            throw new FuseException(Errno.EROFS);
        }
    }

    /** The open file's path below the root, as the host names it now. */
    private String relativePath(int fd) throws FuseException {
        String path = Posix.readlinkat(AT_FDCWD, Posix.procFdPath(fd));
        return path.startsWith(rootPath + "/") ? path.substring(rootPath.length() + 1) : path;
    }
}
