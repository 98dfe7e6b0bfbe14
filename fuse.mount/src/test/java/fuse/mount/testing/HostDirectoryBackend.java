package fuse.mount.testing;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import fuse.api.AttributeChanges;
import fuse.api.Attributes;
import fuse.api.Caller;
import fuse.api.Created;
import fuse.api.DirectoryFiller;
import fuse.api.Entry;
import fuse.api.Errno;
import fuse.api.FileSystem;
import fuse.api.FileSystemBackend;
import fuse.api.FileSystemStats;
import fuse.api.FileType;
import fuse.api.FuseException;
import fuse.api.Handle;
import fuse.api.MountContext;
import fuse.api.Node;
import fuse.api.Opened;
import fuse.api.TimeSpec;
import fuse.posix.Linux;
import fuse.posix.Posix;

/**
 * A minimal mirror of a host directory for the mount's kernel tests: enough to open, read, write, create, list
 * and stat files, with a per-path choice between passthrough and Java-served opens that the test can change at
 * any time. Nodes are relative paths, so renames are not followed (use the local backend for that); the counters
 * show which files the kernel read through Java.
 */
public final class HostDirectoryBackend implements FileSystemBackend {
    private final Path root;
    private volatile Predicate<String> passthrough;
    /** READ requests per relative path. */
    public final Map<String, AtomicInteger> reads = new ConcurrentHashMap<>();
    public final AtomicInteger openFiles = new AtomicInteger();
    public final AtomicInteger fileSystems = new AtomicInteger();

    public HostDirectoryBackend(Path root, Predicate<String> passthrough) {
        this.root = root.toAbsolutePath();
        this.passthrough = passthrough;
    }

    /** Passes every file through. */
    public static HostDirectoryBackend passthroughAll(Path root) {
        return new HostDirectoryBackend(root, path -> true);
    }

    /** Serves every file in Java. */
    public static HostDirectoryBackend servedAll(Path root) {
        return new HostDirectoryBackend(root, path -> false);
    }

    public void passthrough(Predicate<String> policy) {
        passthrough = policy;
    }

    public int reads(String path) {
        AtomicInteger count = reads.get(path);
        return count == null ? 0 : count.get();
    }

    @Override
    public FileSystem open(MountContext mount) throws FuseException {
        if (!Files.isDirectory(root)) {
            throw new FuseException(Errno.ENOENT, "root: " + root + " is not a directory");
        }
        fileSystems.incrementAndGet();
        return new HostFileSystem();
    }

    private record HostNode(String path) implements Node {
    }

    private record FileHandle(String path, int fd) implements Handle {
    }

    private record DirHandle(String path) implements Handle {
    }

    private final class HostFileSystem implements FileSystem {
        private final HostNode rootNode = new HostNode("");

        private String abs(Node node) {
            String path = ((HostNode) node).path();
            return path.isEmpty() ? root.toString() : root + "/" + path;
        }

        private static String child(Node parent, String name) {
            String path = ((HostNode) parent).path();
            return path.isEmpty() ? name : path + "/" + name;
        }

        private Attributes stat(String abs) throws FuseException {
            return Posix.fstatat(Linux.AT_FDCWD, abs, Linux.AT_SYMLINK_NOFOLLOW).attributes();
        }

        private Entry entry(String path) throws FuseException {
            HostNode node = new HostNode(path);
            return new Entry(node, stat(abs(node)));
        }

        private void own(String abs, Caller caller) throws FuseException {
            if (caller.uid() != 0 || caller.gid() != 0) {
                Posix.fchownat(Linux.AT_FDCWD, abs, caller.uid(), caller.gid(), Linux.AT_SYMLINK_NOFOLLOW);
            }
        }

        @Override
        public Node root() {
            return rootNode;
        }

        @Override
        public Entry lookup(Caller caller, Node parent, String name) throws FuseException {
            return entry(child(parent, name));
        }

        @Override
        public Attributes getattr(Caller caller, Node node, Handle handle) throws FuseException {
            if (handle instanceof FileHandle file) {
                return Posix.fstat(file.fd()).attributes();
            }
            return stat(abs(node));
        }

        @Override
        public Attributes setattr(Caller caller, Node node, Handle handle, AttributeChanges changes)
                throws FuseException {
            String abs = abs(node);
            if (changes.killPrivileges()) {
                int mode = stat(abs).mode();
                int cleared = mode & ~Linux.S_ISUID;
                if ((mode & Linux.S_IXGRP) != 0) {
                    cleared &= ~Linux.S_ISGID;
                }
                if (cleared != mode) {
                    Posix.fchmodat(Linux.AT_FDCWD, abs, cleared & 07777, 0);
                }
            }
            if (changes.mode() != null) {
                Posix.fchmodat(Linux.AT_FDCWD, abs, changes.mode() & 07777, 0);
            }
            if (changes.uid() != null || changes.gid() != null) {
                Posix.fchownat(Linux.AT_FDCWD, abs, changes.uid() == null ? -1 : changes.uid(),
                        changes.gid() == null ? -1 : changes.gid(), Linux.AT_SYMLINK_NOFOLLOW);
            }
            if (changes.size() != null) {
                if (handle instanceof FileHandle file) {
                    Posix.ftruncate(file.fd(), changes.size());
                } else {
                    Posix.truncate(abs, changes.size());
                }
            }
            if (changes.atime() != null || changes.mtime() != null) {
                Posix.utimensat(Linux.AT_FDCWD, abs, seconds(changes.atime()), nanos(changes.atime()),
                        seconds(changes.mtime()), nanos(changes.mtime()), Linux.AT_SYMLINK_NOFOLLOW);
            }
            return getattr(caller, node, handle);
        }

        private static long seconds(TimeSpec time) {
            return time == null || time.isNow() ? 0 : time.seconds();
        }

        private static long nanos(TimeSpec time) {
            return time == null ? Linux.UTIME_OMIT : time.isNow() ? Linux.UTIME_NOW : time.nanos();
        }

        @Override
        public String readlink(Caller caller, Node node) throws FuseException {
            return Posix.readlinkat(Linux.AT_FDCWD, abs(node));
        }

        @Override
        public Entry mkdir(Caller caller, Node parent, String name, int mode) throws FuseException {
            String path = child(parent, name);
            String abs = root + "/" + path;
            Posix.mkdirat(Linux.AT_FDCWD, abs, mode & ~caller.umask());
            own(abs, caller);
            return entry(path);
        }

        @Override
        public Entry symlink(Caller caller, Node parent, String name, String target) throws FuseException {
            String path = child(parent, name);
            Posix.symlinkat(target, Linux.AT_FDCWD, root + "/" + path);
            return entry(path);
        }

        @Override
        public void unlink(Caller caller, Node parent, String name) throws FuseException {
            Posix.unlinkat(Linux.AT_FDCWD, root + "/" + child(parent, name), 0);
        }

        @Override
        public void rmdir(Caller caller, Node parent, String name) throws FuseException {
            Posix.unlinkat(Linux.AT_FDCWD, root + "/" + child(parent, name), Linux.AT_REMOVEDIR);
        }

        @Override
        public void rename(Caller caller, Node parent, String name, Node newParent, String newName, int flags)
                throws FuseException {
            Posix.renameat2(Linux.AT_FDCWD, root + "/" + child(parent, name), Linux.AT_FDCWD,
                    root + "/" + child(newParent, newName), flags);
        }

        private Opened opened(String path, int fd) {
            openFiles.incrementAndGet();
            FileHandle handle = new FileHandle(path, fd);
            return passthrough.test(path) ? Opened.passthrough(handle, fd) : Opened.served(handle);
        }

        @Override
        public Opened open(Caller caller, Node node, int flags) throws FuseException {
            int accessFlags = flags & ~(Linux.O_CREAT | Linux.O_EXCL | Linux.O_NOCTTY) | Linux.O_CLOEXEC;
            return opened(((HostNode) node).path(), Posix.openat(Linux.AT_FDCWD, abs(node), accessFlags, 0));
        }

        @Override
        public Created create(Caller caller, Node parent, String name, int flags, int mode) throws FuseException {
            String path = child(parent, name);
            String abs = root + "/" + path;
            int fd = Posix.openat(Linux.AT_FDCWD, abs, flags | Linux.O_CREAT | Linux.O_CLOEXEC,
                    mode & 07777 & ~caller.umask());
            try {
                own(abs, caller);
                return new Created(entry(path), opened(path, fd));
            } catch (FuseException | RuntimeException e) {
                Posix.closeQuietly(fd);
                throw e;
            }
        }

        @Override
        public int read(Caller caller, Handle handle, long offset, MemorySegment buffer) throws FuseException {
            FileHandle file = (FileHandle) handle;
            reads.computeIfAbsent(file.path(), p -> new AtomicInteger()).incrementAndGet();
            return (int) Posix.preadFully(file.fd(), buffer, offset);
        }

        @Override
        public int write(Caller caller, Handle handle, long offset, MemorySegment data, boolean killPrivileges)
                throws FuseException {
            FileHandle file = (FileHandle) handle;
            if (killPrivileges) {
                setattr(caller, new HostNode(file.path()), handle,
                        new AttributeChanges(null, null, null, null, null, null, null, true));
            }
            return (int) Posix.pwriteFully(file.fd(), data, offset);
        }

        @Override
        public void fsync(Caller caller, Handle handle, boolean dataOnly) throws FuseException {
            Posix.fsync(((FileHandle) handle).fd());
        }

        @Override
        public void release(Handle handle) {
            openFiles.decrementAndGet();
            Posix.closeQuietly(((FileHandle) handle).fd());
        }

        @Override
        public Handle opendir(Caller caller, Node node) throws FuseException {
            if (!stat(abs(node)).isDirectory()) {
                throw new FuseException(Errno.ENOTDIR);
            }
            return new DirHandle(((HostNode) node).path());
        }

        @Override
        public void readdir(Caller caller, Node node, Handle handle, long offset, DirectoryFiller filler)
                throws FuseException {
            List<String> names = new ArrayList<>();
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(Path.of(abs(node)))) {
                stream.forEach(p -> names.add(p.getFileName().toString()));
            } catch (IOException e) {
                throw new FuseException(Errno.EIO, e.toString());
            }
            names.sort(null);
            if (offset < 1 && !filler.add(".", 0, FileType.DIRECTORY, 1)) {
                return;
            }
            if (offset < 2 && !filler.add("..", 0, FileType.DIRECTORY, 2)) {
                return;
            }
            for (int i = (int) Math.max(0, offset - 2); i < names.size(); i++) {
                Attributes attributes;
                try {
                    attributes = stat(abs(node) + "/" + names.get(i));
                } catch (FuseException e) {
                    continue; // removed meanwhile
                }
                if (!filler.add(names.get(i), attributes.inode(), attributes.type(), i + 3)) {
                    return;
                }
            }
        }

        @Override
        public FileSystemStats statfs(Caller caller, Node node) throws FuseException {
            return Posix.statfs(root.toString());
        }
    }
}
