package fuse.testkit.posix;

import static fuse.posix.Linux.O_ACCMODE;
import static fuse.posix.Linux.O_CREAT;
import static fuse.posix.Linux.O_EXCL;
import static fuse.posix.Linux.O_NOCTTY;
import static fuse.posix.Linux.O_RDONLY;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import fuse.api.AttributeChanges;
import fuse.api.Attributes;
import fuse.api.Caller;
import fuse.api.Created;
import fuse.api.Entry;
import fuse.api.Errno;
import fuse.api.FileSystem;
import fuse.api.FileSystemStats;
import fuse.api.FuseException;
import fuse.api.Handle;
import fuse.api.Node;
import fuse.api.Opened;
import fuse.api.TimeSpec;
import fuse.testkit.NodeHolds;
import fuse.testkit.TestCaller;

/**
 * {@link PosixDriver} over a backend's {@link FileSystem}, called as the mount would call it: paths are walked
 * with lookup from the root, the entries a lookup or create answers are counted per node, and a node is
 * {@linkplain FileSystem#release(Node) released} once the operations that took it are done, so a backend's node
 * table must end where it started.
 */
public final class SpiDriver implements PosixDriver {
    private final FileSystem fs;
    private final Caller caller;
    /** The entries taken from the backend (shared by the drivers {@link #as} makes). */
    private final NodeHolds held;

    public SpiDriver(FileSystem fs, Caller caller) {
        this(fs, caller, new NodeHolds(fs));
    }

    private SpiDriver(FileSystem fs, Caller caller, NodeHolds held) {
        this.fs = fs;
        this.caller = caller;
        this.held = held;
    }

    @Override
    public PosixDriver as(int uid, int gid) {
        return new SpiDriver(fs, new TestCaller(uid, gid, caller.pid(), caller.umask()), held);
    }

    private void giveBack(Node node) {
        held.giveBack(node);
    }

    /** The nodes a walk looked up; closing gives them back. */
    private final class Walk implements AutoCloseable {
        final List<Node> taken = new ArrayList<>();
        Node node = fs.root();
        Attributes attributes;
        String name;

        /** Runs a call that answers an entry, counts it and keeps it for {@link #close}. */
        Entry keep(NodeHolds.Call<Entry> call) throws FuseException {
            Entry entry = held.take(call);
            taken.add(entry.node());
            return entry;
        }

        @Override
        public void close() {
            for (Node n : taken) {
                giveBack(n);
            }
        }
    }

    private static String[] components(String path) {
        return path.isEmpty() ? new String[0] : path.split("/");
    }

    /** Walks to the node named by {@code path}. */
    private Walk walk(String path) throws FuseException {
        Walk walk = new Walk();
        try {
            for (String component : components(path)) {
                Node parent = walk.node;
                Entry entry = walk.keep(() -> fs.lookup(caller, parent, component));
                walk.node = entry.node();
                walk.attributes = entry.attributes();
            }
            if (walk.attributes == null) {
                walk.attributes = fs.getattr(caller, walk.node, null);
            }
            return walk;
        } catch (FuseException e) {
            walk.close();
            throw e;
        }
    }

    /** Walks to the parent of {@code path}; {@link Walk#name} is the last component. */
    private Walk walkParent(String path) throws FuseException {
        int slash = path.lastIndexOf('/');
        Walk walk = walk(slash < 0 ? "" : path.substring(0, slash));
        walk.name = path.substring(slash + 1);
        return walk;
    }

    @Override
    public Attributes lstat(String path) throws FuseException {
        try (Walk w = walk(path)) {
            return w.attributes;
        }
    }

    @Override
    public void mkdir(String path, int mode) throws FuseException {
        try (Walk w = walkParent(path)) {
            w.keep(() -> fs.mkdir(caller, w.node, w.name, mode));
        }
    }

    @Override
    public void mknod(String path, int mode, long rdev) throws FuseException {
        try (Walk w = walkParent(path)) {
            w.keep(() -> fs.mknod(caller, w.node, w.name, mode, rdev));
        }
    }

    @Override
    public void symlink(String target, String path) throws FuseException {
        try (Walk w = walkParent(path)) {
            w.keep(() -> fs.symlink(caller, w.node, w.name, target));
        }
    }

    @Override
    public String readlink(String path) throws FuseException {
        try (Walk w = walk(path)) {
            return fs.readlink(caller, w.node);
        }
    }

    @Override
    public void link(String existing, String path) throws FuseException {
        try (Walk from = walk(existing); Walk to = walkParent(path)) {
            to.keep(() -> fs.link(caller, from.node, to.node, to.name));
        }
    }

    @Override
    public void unlink(String path) throws FuseException {
        try (Walk w = walkParent(path)) {
            fs.unlink(caller, w.node, w.name);
        }
    }

    @Override
    public void rmdir(String path) throws FuseException {
        try (Walk w = walkParent(path)) {
            fs.rmdir(caller, w.node, w.name);
        }
    }

    @Override
    public void rename(String from, String to, int flags) throws FuseException {
        try (Walk a = walkParent(from); Walk b = walkParent(to)) {
            fs.rename(caller, a.node, a.name, b.node, b.name, flags);
        }
    }

    private void setattr(String path, AttributeChanges changes) throws FuseException {
        try (Walk w = walk(path)) {
            fs.setattr(caller, w.node, null, changes);
        }
    }

    @Override
    public void chmod(String path, int mode) throws FuseException {
        setattr(path, AttributeChanges.NONE.withMode(mode));
    }

    @Override
    public void chown(String path, int uid, int gid) throws FuseException {
        setattr(path, AttributeChanges.NONE.withOwner(uid < 0 ? null : uid, gid < 0 ? null : gid));
    }

    @Override
    public void utimens(String path, TimeSpec atime, TimeSpec mtime) throws FuseException {
        setattr(path, AttributeChanges.NONE.withTimes(atime, mtime));
    }

    @Override
    public void truncate(String path, long size) throws FuseException {
        setattr(path, AttributeChanges.NONE.withSize(size));
    }

    @Override
    public OpenFile open(String path, int flags, int mode) throws FuseException {
        int openFlags = flags & ~(O_CREAT | O_EXCL | O_NOCTTY);
        if ((flags & O_CREAT) != 0) {
            try (Walk w = walkParent(path)) {
                Entry existing;
                try {
                    existing = held.take(() -> fs.lookup(caller, w.node, w.name));
                } catch (FuseException e) {
                    if (e.errno() != Errno.ENOENT) {
                        throw e;
                    }
                    // As the kernel does for a negative dentry: CREATE, which answers the node and the open file.
                    Created created = held.create(() -> fs.create(caller, w.node, w.name, flags, mode));
                    return new SpiFile(created.entry().node(), created.opened());
                }
                if ((flags & O_EXCL) != 0) {
                    giveBack(existing.node());
                    throw new FuseException(Errno.EEXIST);
                }
                return openNode(existing.node(), existing.attributes(), openFlags);
            }
        }
        Walk w = walk(path);
        Node node = w.node;
        w.taken.remove(node);
        w.close();
        return openNode(node, null, openFlags);
    }

    private OpenFile openNode(Node node, Attributes known, int flags) throws FuseException {
        try {
            Attributes attributes = known != null ? known : fs.getattr(caller, node, null);
            if (attributes.isDirectory() && (flags & O_ACCMODE) != O_RDONLY) {
                throw new FuseException(Errno.EISDIR);
            }
            return new SpiFile(node, fs.open(caller, node, flags));
        } catch (FuseException e) {
            giveBack(node);
            throw e;
        }
    }

    @Override
    public List<DirEntry> list(String path, long offset, int max) throws FuseException {
        try (Walk w = walk(path)) {
            Handle handle = fs.opendir(caller, w.node);
            try {
                List<DirEntry> entries = new ArrayList<>();
                fs.readdir(caller, w.node, handle, offset, (name, inode, type, next) -> {
                    if (entries.size() == max) {
                        return false;
                    }
                    entries.add(new DirEntry(name, inode, type, next));
                    return true;
                });
                return entries;
            } finally {
                fs.releasedir(handle);
            }
        }
    }

    @Override
    public void setxattr(String path, String name, byte[] value, int flags) throws FuseException {
        try (Walk w = walk(path); Arena arena = Arena.ofConfined()) {
            MemorySegment v = value.length == 0 ? MemorySegment.NULL : arena.allocateFrom(ValueLayout.JAVA_BYTE, value);
            fs.setxattr(caller, w.node, name, v, flags);
        }
    }

    @Override
    public byte[] getxattr(String path, String name) throws FuseException {
        try (Walk w = walk(path); Arena arena = Arena.ofConfined()) {
            int size = fs.getxattr(caller, w.node, name, MemorySegment.NULL);
            if (size == 0) {
                return new byte[0];
            }
            MemorySegment value = arena.allocate(size);
            int n = fs.getxattr(caller, w.node, name, value);
            return value.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    @Override
    public List<String> listxattr(String path) throws FuseException {
        try (Walk w = walk(path); Arena arena = Arena.ofConfined()) {
            int size = fs.listxattr(caller, w.node, MemorySegment.NULL);
            if (size == 0) {
                return List.of();
            }
            MemorySegment list = arena.allocate(size);
            return PathDriver.names(list, fs.listxattr(caller, w.node, list));
        }
    }

    @Override
    public void removexattr(String path, String name) throws FuseException {
        try (Walk w = walk(path)) {
            fs.removexattr(caller, w.node, name);
        }
    }

    @Override
    public FileSystemStats statfs(String path) throws FuseException {
        try (Walk w = walk(path)) {
            return fs.statfs(caller, w.node);
        }
    }

    @Override
    public void access(String path, int mask) throws FuseException {
        try (Walk w = walk(path)) {
            fs.access(caller, w.node, mask);
        }
    }

    /** An open file: holds its node's reference until closed, like an open file pins a kernel inode. */
    private final class SpiFile implements OpenFile {
        private final Node node;
        private final Opened opened;

        SpiFile(Node node, Opened opened) {
            this.node = node;
            this.opened = opened;
        }

        Handle handle() {
            return opened.handle();
        }

        @Override
        public int read(long offset, byte[] into) throws FuseException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buffer = arena.allocate(Math.max(1, into.length));
                int n = fs.read(caller, handle(), offset, buffer.asSlice(0, into.length));
                MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, into, 0, n);
                return n;
            }
        }

        @Override
        public int write(long offset, byte[] data) throws FuseException {
            try (Arena arena = Arena.ofConfined()) {
                return fs.write(caller, handle(), offset, arena.allocateFrom(ValueLayout.JAVA_BYTE, data), false);
            }
        }

        @Override
        public Attributes stat() throws FuseException {
            return fs.getattr(caller, node, handle());
        }

        @Override
        public void fsync(boolean dataOnly) throws FuseException {
            fs.fsync(caller, handle(), dataOnly);
        }

        @Override
        public void fallocate(int mode, long offset, long length) throws FuseException {
            fs.fallocate(caller, handle(), mode, offset, length);
        }

        @Override
        public long seek(long offset, int whence) throws FuseException {
            return fs.lseek(caller, handle(), offset, whence);
        }

        @Override
        public long copyTo(long offset, OpenFile out, long outOffset, long length) throws FuseException {
            return fs.copyFileRange(caller, handle(), offset, ((SpiFile) out).handle(), outOffset, length, 0);
        }

        @Override
        public void close() {
            try {
                fs.flush(caller, handle());
            } catch (FuseException e) {
                throw new IllegalStateException("flush failed: " + e.getMessage(), e);
            } finally {
                fs.release(handle());
                giveBack(node);
            }
        }
    }
}
