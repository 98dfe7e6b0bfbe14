package fuse.mount.testing;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

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
import fuse.api.Opened;
import fuse.api.TimeSpec;

/**
 * A small in-memory file system for tests: regular files, directories and symlinks, every read and write served
 * in Java. It counts what the mount must balance: references per node (lookups minus forgets), open handles,
 * and whether it was closed. With {@link #passthroughFor}, opens of matching names answer
 * {@link Opened.Passthrough} with a made-up descriptor (for tests against a fake channel only).
 */
public class MemoryFileSystem implements FileSystem {
    /** A file: nodes are compared by identity, which satisfies the {@link Node} contract. */
    public static final class MemNode implements Node {
        final long ino;
        int mode;
        int uid;
        int gid;
        int nlink = 1;
        byte[] data = new byte[0];
        int size;
        String target;
        final TreeMap<String, MemNode> children;
        long mtime;

        MemNode(long ino, int mode) {
            this.ino = ino;
            this.mode = mode;
            this.children = (mode & FileType.S_IFMT) == FileType.DIRECTORY.modeBits() ? new TreeMap<>() : null;
        }

        @Override
        public String toString() {
            return "mem#" + ino;
        }
    }

    private record MemHandle(MemNode node, int flags) implements Handle {
    }

    private final AtomicLong nextIno = new AtomicLong(1);
    private final MemNode root = new MemNode(nextIno.getAndIncrement(), 040755);
    /** Nodes handed to the mount in an entry and not released since. */
    private final Set<MemNode> held = new HashSet<>();
    /** Releases per node, to check each comes once. */
    private final Map<MemNode, Integer> releases = new HashMap<>();
    public final AtomicInteger openHandles = new AtomicInteger();
    public final AtomicInteger reads = new AtomicInteger();
    public final AtomicInteger lookups = new AtomicInteger();
    public final AtomicInteger killPrivilegeCalls = new AtomicInteger();
    public volatile boolean closed;
    private volatile Predicate<String> passthrough = name -> false;
    public final String label;

    public MemoryFileSystem(String label) {
        this.label = label;
    }

    public MemoryFileSystem passthroughFor(Predicate<String> names) {
        passthrough = names;
        return this;
    }

    // ---- setting up and inspecting -----------------------------------------------------------------------------

    public synchronized MemoryFileSystem file(String path, String content) {
        MemNode node = makeParents(path).children.computeIfAbsent(leaf(path),
                n -> new MemNode(nextIno.getAndIncrement(), 0100644));
        node.data = content.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        node.size = node.data.length;
        return this;
    }

    public synchronized MemoryFileSystem mode(String path, int mode, int uid) {
        MemNode node = find(path);
        node.mode = (node.mode & FileType.S_IFMT) | mode;
        node.uid = uid;
        node.gid = uid;
        return this;
    }

    public synchronized MemoryFileSystem dir(String path) {
        makeParents(path + "/x");
        return this;
    }

    public synchronized int modeOf(String path) {
        return find(path).mode;
    }

    public synchronized String content(String path) {
        MemNode node = find(path);
        return new String(node.data, 0, node.size, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Nodes the mount holds: handed out in an entry and not released since. */
    public synchronized long heldReferences() {
        return held.size();
    }

    /** 1 while the mount holds the node at {@code path}, else 0. */
    public synchronized long references(String path) {
        return held.contains(find(path)) ? 1 : 0;
    }

    /** How often the node at {@code path} was released. */
    public synchronized int releases(String path) {
        return releases.getOrDefault(find(path), 0);
    }

    private MemNode find(String path) {
        MemNode node = root;
        for (String part : path.split("/")) {
            if (!part.isEmpty()) {
                node = node.children.get(part);
                if (node == null) {
                    throw new IllegalArgumentException("no " + path);
                }
            }
        }
        return node;
    }

    private MemNode makeParents(String path) {
        MemNode node = root;
        String[] parts = path.split("/");
        for (int i = 0; i < parts.length - 1; i++) {
            if (!parts[i].isEmpty()) {
                node = node.children.computeIfAbsent(parts[i], n -> new MemNode(nextIno.getAndIncrement(), 040755));
            }
        }
        return node;
    }

    private static String leaf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    // ---- FileSystem --------------------------------------------------------------------------------------------

    private void alive() {
        if (closed) {
            throw new IllegalStateException(label + " used after close");
        }
    }

    private static MemNode dirOf(Node node) throws FuseException {
        MemNode dir = (MemNode) node;
        if (dir.children == null) {
            throw new FuseException(Errno.ENOTDIR);
        }
        return dir;
    }

    private Entry counted(MemNode node) {
        held.add(node);
        return new Entry(node, attributes(node));
    }

    private static Attributes attributes(MemNode n) {
        return Attributes.builder(n.ino, n.mode).size(n.size).blocks((n.size + 511) / 512)
                .times(new TimeSpec(n.mtime, 0)).linkCount(n.children != null ? 2 : n.nlink).owner(n.uid, n.gid)
                .blockSize(4096).build();
    }

    @Override
    public Node root() {
        return root;
    }

    @Override
    public synchronized Entry lookup(Caller caller, Node parent, String name) throws FuseException {
        alive();
        lookups.incrementAndGet();
        MemNode child = dirOf(parent).children.get(name);
        if (child == null) {
            throw new FuseException(Errno.ENOENT);
        }
        return counted(child);
    }

    @Override
    public synchronized void release(Node node) {
        alive();
        if (!held.remove((MemNode) node)) {
            throw new AssertionError(label + ": released " + node + ", which the mount did not hold");
        }
        releases.merge((MemNode) node, 1, Integer::sum);
    }

    @Override
    public synchronized Attributes getattr(Caller caller, Node node, Handle handle) throws FuseException {
        alive();
        return attributes((MemNode) node);
    }

    @Override
    public synchronized Attributes setattr(Caller caller, Node node, Handle handle, AttributeChanges changes)
            throws FuseException {
        alive();
        MemNode n = (MemNode) node;
        if (changes.killPrivileges()) {
            killPrivilegeCalls.incrementAndGet();
            n.mode &= ~04000;
            if ((n.mode & 010) != 0) {
                n.mode &= ~02000;
            }
        }
        if (changes.mode() != null) {
            n.mode = (n.mode & FileType.S_IFMT) | (changes.mode() & 07777);
        }
        if (changes.uid() != null) {
            n.uid = changes.uid();
        }
        if (changes.gid() != null) {
            n.gid = changes.gid();
        }
        if (changes.size() != null) {
            resize(n, changes.size().intValue());
        }
        TimeSpec mtime = changes.mtime();
        if (mtime != null) {
            n.mtime = mtime.isNow() ? System.currentTimeMillis() / 1000 : mtime.seconds();
        }
        return attributes(n);
    }

    private static void resize(MemNode n, int size) {
        if (size > n.data.length) {
            n.data = Arrays.copyOf(n.data, Math.max(size, n.data.length * 2));
        }
        if (size > n.size) {
            Arrays.fill(n.data, n.size, size, (byte) 0);
        }
        n.size = size;
    }

    @Override
    public synchronized String readlink(Caller caller, Node node) throws FuseException {
        alive();
        String target = ((MemNode) node).target;
        if (target == null) {
            throw new FuseException(Errno.EINVAL);
        }
        return target;
    }

    private MemNode add(Node parent, String name, int mode, Caller caller) throws FuseException {
        MemNode dir = dirOf(parent);
        if (dir.children.containsKey(name)) {
            throw new FuseException(Errno.EEXIST);
        }
        MemNode node = new MemNode(nextIno.getAndIncrement(), mode & ~caller.umask());
        node.uid = caller.uid();
        node.gid = caller.gid();
        dir.children.put(name, node);
        return node;
    }

    @Override
    public synchronized Entry mkdir(Caller caller, Node parent, String name, int mode) throws FuseException {
        alive();
        return counted(add(parent, name, FileType.DIRECTORY.modeBits() | (mode & 07777), caller));
    }

    @Override
    public synchronized Entry mknod(Caller caller, Node parent, String name, int mode, long rdev)
            throws FuseException {
        alive();
        return counted(add(parent, name, mode, caller));
    }

    @Override
    public synchronized Entry symlink(Caller caller, Node parent, String name, String target)
            throws FuseException {
        alive();
        MemNode node = add(parent, name, FileType.SYMLINK.modeBits() | 0777, caller);
        node.target = target;
        node.size = target.length();
        return counted(node);
    }

    @Override
    public synchronized Entry link(Caller caller, Node node, Node newParent, String newName) throws FuseException {
        alive();
        MemNode dir = dirOf(newParent);
        if (dir.children.containsKey(newName)) {
            throw new FuseException(Errno.EEXIST);
        }
        MemNode n = (MemNode) node;
        n.nlink++;
        dir.children.put(newName, n);
        return counted(n);
    }

    @Override
    public synchronized void unlink(Caller caller, Node parent, String name) throws FuseException {
        alive();
        MemNode removed = dirOf(parent).children.remove(name);
        if (removed == null) {
            throw new FuseException(Errno.ENOENT);
        }
        removed.nlink--;
    }

    @Override
    public synchronized void rmdir(Caller caller, Node parent, String name) throws FuseException {
        alive();
        MemNode dir = dirOf(parent);
        MemNode child = dir.children.get(name);
        if (child == null) {
            throw new FuseException(Errno.ENOENT);
        }
        if (child.children == null) {
            throw new FuseException(Errno.ENOTDIR);
        }
        if (!child.children.isEmpty()) {
            throw new FuseException(Errno.ENOTEMPTY);
        }
        dir.children.remove(name);
    }

    @Override
    public synchronized void rename(Caller caller, Node parent, String name, Node newParent, String newName,
            int flags) throws FuseException {
        alive();
        MemNode from = dirOf(parent);
        MemNode to = dirOf(newParent);
        MemNode moved = from.children.get(name);
        if (moved == null) {
            throw new FuseException(Errno.ENOENT);
        }
        MemNode target = to.children.get(newName);
        if ((flags & RENAME_EXCHANGE) != 0) {
            if (target == null) {
                throw new FuseException(Errno.ENOENT);
            }
            from.children.put(name, target);
            to.children.put(newName, moved);
            return;
        }
        if (target != null && (flags & RENAME_NOREPLACE) != 0) {
            throw new FuseException(Errno.EEXIST);
        }
        from.children.remove(name);
        to.children.put(newName, moved);
    }

    @Override
    public synchronized Opened open(Caller caller, Node node, int flags) throws FuseException {
        alive();
        MemNode n = (MemNode) node;
        if ((flags & 01000) != 0) { // O_TRUNC
            resize(n, 0);
        }
        openHandles.incrementAndGet();
        Handle handle = new MemHandle(n, flags);
        String name = nameOf(n);
        return name != null && passthrough.test(name) ? Opened.passthrough(handle, (int) (100 + n.ino))
                : Opened.served(handle);
    }

    private String nameOf(MemNode node) {
        return nameOf(root, node);
    }

    private static String nameOf(MemNode dir, MemNode node) {
        for (Map.Entry<String, MemNode> e : dir.children.entrySet()) {
            if (e.getValue() == node) {
                return e.getKey();
            }
            if (e.getValue().children != null) {
                String found = nameOf(e.getValue(), node);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    @Override
    public synchronized Created create(Caller caller, Node parent, String name, int flags, int mode)
            throws FuseException {
        alive();
        MemNode node = add(parent, name, FileType.REGULAR.modeBits() | (mode & 07777), caller);
        Entry entry = counted(node);
        openHandles.incrementAndGet();
        Handle handle = new MemHandle(node, flags);
        return new Created(entry, passthrough.test(name) ? Opened.passthrough(handle, (int) (100 + node.ino))
                : Opened.served(handle));
    }

    @Override
    public synchronized int read(Caller caller, Handle handle, long offset, MemorySegment buffer)
            throws FuseException {
        alive();
        reads.incrementAndGet();
        MemNode n = ((MemHandle) handle).node();
        int count = (int) Math.max(0, Math.min(buffer.byteSize(), n.size - offset));
        MemorySegment.copy(n.data, (int) offset, buffer, ValueLayout.JAVA_BYTE, 0, count);
        return count;
    }

    @Override
    public synchronized int write(Caller caller, Handle handle, long offset, MemorySegment data,
            boolean killPrivileges) throws FuseException {
        alive();
        MemNode n = ((MemHandle) handle).node();
        if (killPrivileges) {
            n.mode &= ~06000;
        }
        int length = (int) data.byteSize();
        if (offset + length > n.size) {
            resize(n, (int) offset + length);
        }
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, 0, n.data, (int) offset, length);
        return length;
    }

    @Override
    public synchronized void release(Handle handle) {
        alive();
        openHandles.decrementAndGet();
    }

    @Override
    public synchronized Handle opendir(Caller caller, Node node) throws FuseException {
        alive();
        openHandles.incrementAndGet();
        return new MemHandle(dirOf(node), 0);
    }

    @Override
    public synchronized void readdir(Caller caller, Node node, Handle handle, long offset, DirectoryFiller filler)
            throws FuseException {
        alive();
        MemNode dir = dirOf(node);
        List<Map.Entry<String, MemNode>> entries = List.copyOf(dir.children.entrySet());
        long position = offset;
        if (position == 0 && !filler.add(".", dir.ino, FileType.DIRECTORY, 1)) {
            return;
        }
        if (position <= 1 && !filler.add("..", dir.ino, FileType.DIRECTORY, 2)) {
            return;
        }
        for (int i = (int) Math.max(0, position - 2); i < entries.size(); i++) {
            MemNode child = entries.get(i).getValue();
            if (!filler.add(entries.get(i).getKey(), child.ino, FileType.ofMode(child.mode), i + 3)) {
                return;
            }
        }
    }

    @Override
    public synchronized void releasedir(Handle handle) {
        alive();
        openHandles.decrementAndGet();
    }

    @Override
    public FileSystemStats statfs(Caller caller, Node node) {
        return new FileSystemStats(1000, 500, 500, 100, 50, 4096, 255, 4096);
    }

    @Override
    public synchronized void close() {
        closed = true;
    }
}
