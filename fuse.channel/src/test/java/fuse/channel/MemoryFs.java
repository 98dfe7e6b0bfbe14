package fuse.channel;

import static fuse.posix.Linux.O_RDONLY;
import static fuse.posix.Linux.O_TRUNC;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiPredicate;

import fuse.api.AttributeChanges;
import fuse.api.Attributes;
import fuse.api.Errno;
import fuse.api.FileSystemStats;
import fuse.api.FileType;
import fuse.api.TimeSpec;

/**
 * A small in-memory file system answering the channel's requests directly: the test double that drives the
 * channel through the real kernel. One lock for the whole tree (simple and correct; tests are not about its
 * speed). Regular files can be backed by a host file, served through FUSE passthrough when the mount has it.
 */
public final class MemoryFs implements RequestHandler {
    public static final int BLOCK = 4096;
    static final int XATTR_CREATE = 1;
    static final int XATTR_REPLACE = 2;
    static final int RENAME_NOREPLACE = 1;
    static final int RENAME_EXCHANGE = 2;
    static final int SEEK_DATA = 3;
    static final int SEEK_HOLE = 4;
    static final int FALLOC_FL_KEEP_SIZE = 1;
    static final int FALLOC_FL_PUNCH_HOLE = 2;

    /** One file, directory or link. */
    final class Node {
        final long id;
        int mode;
        int nlink;
        int uid;
        int gid;
        long rdev;
        TimeSpec atime;
        TimeSpec mtime;
        TimeSpec ctime;
        byte[] data = new byte[0];
        long size;
        final BitSet allocated = new BitSet();
        String target;
        final TreeMap<String, Node> children = new TreeMap<>();
        final Map<String, byte[]> xattrs = new TreeMap<>();
        Path backing;
        int backingId;
        int passthroughOpens;

        Node(long id, int mode) {
            this.id = id;
            this.mode = mode;
            this.nlink = FileType.ofMode(mode) == FileType.DIRECTORY ? 2 : 1;
            TimeSpec now = now();
            this.atime = now;
            this.mtime = now;
            this.ctime = now;
        }

        boolean isDirectory() {
            return FileType.ofMode(mode) == FileType.DIRECTORY;
        }

        long currentSize() {
            if (backing != null) {
                try {
                    return java.nio.file.Files.size(backing);
                } catch (IOException e) {
                    return 0;
                }
            }
            return size;
        }

        Attributes attributes() {
            long length = currentSize();
            return Attributes.builder(id, mode).size(length).blocks((length + 511) / 512).atime(atime).mtime(mtime)
                    .ctime(ctime).linkCount(nlink).owner(uid, gid).rdev(rdev).blockSize(BLOCK).build();
        }

        void resize(long newSize) {
            if (newSize > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("too large for the test file system");
            }
            if (newSize > data.length) {
                data = Arrays.copyOf(data, (int) Math.max(newSize, Math.min(Integer.MAX_VALUE - 8, data.length * 2L)));
            } else if (newSize < size) {
                Arrays.fill(data, (int) newSize, (int) size, (byte) 0);
                allocated.clear((int) ((newSize + BLOCK - 1) / BLOCK), Integer.MAX_VALUE);
            }
            size = newSize;
        }

        void markAllocated(long offset, long length) {
            if (length > 0) {
                allocated.set((int) (offset / BLOCK), (int) ((offset + length + BLOCK - 1) / BLOCK));
            }
        }
    }

    /** An OPENDIR snapshot: names and nodes at the time of the open, so that offsets stay stable. */
    record DirHandle(Node dir, List<String> names, List<Node> nodes) {
    }

    private final Object lock = new Object();
    private final Map<Long, Node> nodes = new ConcurrentHashMap<>();
    private final Map<Long, Object> handles = new ConcurrentHashMap<>();
    private final AtomicLong nextNode = new AtomicLong(2);
    private final AtomicLong nextHandle = new AtomicLong(1);
    private final Map<Integer, LongAdder> counts = new ConcurrentHashMap<>();
    private final AtomicInteger destroyedCalls = new AtomicInteger();
    private final List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    public final Node root;

    volatile long entryTimeoutNanos = 1_000_000_000L;
    volatile long attrTimeoutNanos = 1_000_000_000L;
    /** Opens regular files with FOPEN_DIRECT_IO: every read and write reaches the server. */
    volatile boolean directIo;
    /** Answers COPY_FILE_RANGE_64 with ENOSYS, so that the kernel falls back to COPY_FILE_RANGE. */
    volatile boolean refuseCopyFileRange64;
    /** Takes a request over before the file system sees it: return {@code true} when it replied. */
    volatile BiPredicate<Request, Reply> interceptor;
    volatile FuseSession session;
    volatile InitResult init;

    public MemoryFs() {
        root = new Node(1, FileType.DIRECTORY.modeBits() | 0755);
        nodes.put(root.id, root);
    }

    // ---- for tests: build and inspect the tree directly

    public Node add(Node parent, String name, int mode) {
        synchronized (lock) {
            Node node = new Node(nextNode.getAndIncrement(), mode);
            nodes.put(node.id, node);
            parent.children.put(name, node);
            if (node.isDirectory()) {
                parent.nlink++;
            }
            return node;
        }
    }

    public Node addFile(Node parent, String name, byte[] content) {
        Node node = add(parent, name, FileType.REGULAR.modeBits() | 0644);
        synchronized (lock) {
            node.resize(content.length);
            System.arraycopy(content, 0, node.data, 0, content.length);
            node.markAllocated(0, content.length);
        }
        return node;
    }

    public Node addDirectory(Node parent, String name) {
        return add(parent, name, FileType.DIRECTORY.modeBits() | 0755);
    }

    /** A file whose content is {@code hostFile}: passed through when the mount negotiated passthrough. */
    public Node addBackedFile(Node parent, String name, Path hostFile) {
        Node node = add(parent, name, FileType.REGULAR.modeBits() | 0644);
        node.backing = hostFile;
        return node;
    }

    public Node child(Node parent, String name) {
        synchronized (lock) {
            return parent.children.get(name);
        }
    }

    public long count(int opcode) {
        LongAdder adder = counts.get(opcode);
        return adder == null ? 0 : adder.sum();
    }

    public int destroyedCalls() {
        return destroyedCalls.get();
    }

    /** Exceptions the file system hit while answering (a handler bug would otherwise only be logged). */
    public List<Throwable> failures() {
        return failures;
    }

    // ---- RequestHandler

    @Override
    public void initialized(FuseSession fuseSession, InitResult result) {
        this.session = fuseSession;
        this.init = result;
    }

    @Override
    public void destroyed() {
        destroyedCalls.incrementAndGet();
    }

    @Override
    public void handle(Request request, Reply reply) {
        counts.computeIfAbsent(request.header().opcode(), k -> new LongAdder()).increment();
        BiPredicate<Request, Reply> intercept = interceptor;
        if (intercept != null && intercept.test(request, reply)) {
            return;
        }
        try {
            synchronized (lock) {
                answer(request, reply);
            }
        } catch (FsError e) {
            reply.error(e.errno);
        } catch (RuntimeException e) {
            failures.add(e);
            throw e;
        }
    }

    /** An errno answer from deep inside an operation. */
    static final class FsError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final Errno errno;

        FsError(Errno errno) {
            super(errno.name(), null, false, false);
            this.errno = errno;
        }
    }

    private Node node(long id) {
        Node node = nodes.get(id);
        if (node == null) {
            throw new FsError(Errno.ENOENT);
        }
        return node;
    }

    private Node dir(long id) {
        Node node = node(id);
        if (!node.isDirectory()) {
            throw new FsError(Errno.ENOTDIR);
        }
        return node;
    }

    private Node file(long fh) {
        Object handle = handles.get(fh);
        if (handle instanceof Node node) {
            return node;
        }
        throw new FsError(Errno.EBADF);
    }

    private EntryOut entry(Node node) {
        return new EntryOut(node.id, 0, entryTimeoutNanos, attrTimeoutNanos, node.attributes());
    }

    private void answer(Request request, Reply reply) {
        switch (request) {
            case Request.Lookup r -> {
                Node child = dir(r.header().nodeId()).children.get(r.name());
                if (child == null) {
                    reply.error(Errno.ENOENT);
                } else {
                    reply.entry(entry(child));
                }
            }
            case Request.Forget r -> {
                // Nodes live as long as their names: nothing to drop.
            }
            case Request.BatchForget r -> {
            }
            case Request.GetAttr r -> reply.attributes(node(r.header().nodeId()).attributes(), attrTimeoutNanos);
            case Request.SetAttr r -> reply.attributes(setattr(node(r.header().nodeId()), r.changes()),
                    attrTimeoutNanos);
            case Request.ReadLink r -> {
                Node node = node(r.header().nodeId());
                if (node.target == null) {
                    throw new FsError(Errno.EINVAL);
                }
                reply.readlink(node.target);
            }
            case Request.Symlink r -> {
                Node node = create(r.header(), r.name(), FileType.SYMLINK.modeBits() | 0777);
                node.target = r.target();
                node.size = r.target().getBytes(StandardCharsets.UTF_8).length;
                reply.entry(entry(node));
            }
            case Request.MkNod r -> {
                Node node = create(r.header(), r.name(), r.mode() & ~r.umask());
                node.rdev = r.rdev();
                reply.entry(entry(node));
            }
            case Request.MkDir r -> reply.entry(entry(create(r.header(), r.name(),
                    FileType.DIRECTORY.modeBits() | (r.mode() & ~r.umask() & 07777))));
            case Request.Unlink r -> {
                remove(r.header().nodeId(), r.name(), false);
                reply.ok();
            }
            case Request.RmDir r -> {
                remove(r.header().nodeId(), r.name(), true);
                reply.ok();
            }
            case Request.Rename r -> {
                rename(r);
                reply.ok();
            }
            case Request.Link r -> {
                Node target = node(r.oldNodeId());
                Node parent = dir(r.header().nodeId());
                if (parent.children.containsKey(r.newName())) {
                    throw new FsError(Errno.EEXIST);
                }
                parent.children.put(r.newName(), target);
                target.nlink++;
                target.ctime = now();
                reply.entry(entry(target));
            }
            case Request.Open r -> open(r, reply);
            case Request.Read r -> read(r, reply);
            case Request.Write r -> {
                Node node = file(r.fh());
                long end = r.offset() + r.data().byteSize();
                if (end > node.size) {
                    node.resize(end);
                }
                MemorySegment.copy(r.data(), JAVA_BYTE, 0, node.data, (int) r.offset(), (int) r.data().byteSize());
                node.markAllocated(r.offset(), r.data().byteSize());
                node.mtime = now();
                if (r.killPrivileges()) {
                    node.mode &= ~06000;
                }
                reply.written(r.data().byteSize());
            }
            case Request.StatFs r -> reply.statfs(new FileSystemStats(1000, 600, 500, 100, 42, BLOCK, 255, BLOCK));
            case Request.Release r -> {
                Object handle = handles.remove(r.fh());
                if (handle instanceof Node node && node.backingId > 0 && --node.passthroughOpens == 0) {
                    closeBacking(node);
                }
                reply.ok();
            }
            case Request.Fsync r -> reply.ok();
            case Request.SetXattr r -> {
                Node node = node(r.header().nodeId());
                boolean exists = node.xattrs.containsKey(r.name());
                if ((r.flags() & XATTR_CREATE) != 0 && exists) {
                    throw new FsError(Errno.EEXIST);
                }
                if ((r.flags() & XATTR_REPLACE) != 0 && !exists) {
                    throw new FsError(Errno.ENODATA);
                }
                node.xattrs.put(r.name(), r.value().toArray(JAVA_BYTE));
                reply.ok();
            }
            case Request.GetXattr r -> {
                byte[] value = node(r.header().nodeId()).xattrs.get(r.name());
                if (value == null) {
                    throw new FsError(Errno.ENODATA);
                }
                sendBytes(reply, r.size(), value);
            }
            case Request.ListXattr r -> {
                StringBuilder names = new StringBuilder();
                for (String name : node(r.header().nodeId()).xattrs.keySet()) {
                    names.append(name).append('\0');
                }
                sendBytes(reply, r.size(), names.toString().getBytes(StandardCharsets.UTF_8));
            }
            case Request.RemoveXattr r -> {
                if (node(r.header().nodeId()).xattrs.remove(r.name()) == null) {
                    throw new FsError(Errno.ENODATA);
                }
                reply.ok();
            }
            case Request.Flush r -> reply.ok();
            case Request.OpenDir r -> {
                Node dir = dir(r.header().nodeId());
                List<String> names = new ArrayList<>(dir.children.keySet());
                List<Node> members = new ArrayList<>(dir.children.values());
                long fh = nextHandle.getAndIncrement();
                handles.put(fh, new DirHandle(dir, names, members));
                reply.open(fh, 0, 0);
            }
            case Request.ReadDir r -> readdir(r, reply);
            case Request.ReleaseDir r -> {
                handles.remove(r.fh());
                reply.ok();
            }
            case Request.FsyncDir r -> reply.ok();
            case Request.Access r -> reply.ok();
            case Request.Create r -> {
                Node node = create(r.header(), r.name(), r.mode() & ~r.umask());
                long fh = nextHandle.getAndIncrement();
                handles.put(fh, node);
                reply.create(entry(node), fh, directIo ? Reply.FOPEN_DIRECT_IO : 0, 0);
            }
            case Request.Fallocate r -> {
                fallocate(file(r.fh()), r.offset(), r.length(), r.mode());
                reply.ok();
            }
            case Request.Lseek r -> reply.lseek(lseek(file(r.fh()), r.offset(), r.whence()));
            case Request.CopyFileRange r -> {
                if (refuseCopyFileRange64 && r.header().opcode() == 53) {
                    throw new FsError(Errno.ENOSYS);
                }
                Node from = file(r.fhIn());
                Node to = file(r.fhOut());
                long length = Math.max(0, Math.min(r.length(), from.size - r.offsetIn()));
                byte[] chunk = Arrays.copyOfRange(from.data, (int) r.offsetIn(), (int) (r.offsetIn() + length));
                if (r.offsetOut() + length > to.size) {
                    to.resize(r.offsetOut() + length);
                }
                System.arraycopy(chunk, 0, to.data, (int) r.offsetOut(), (int) length);
                to.markAllocated(r.offsetOut(), length);
                reply.written(length);
            }
        }
    }

    private static void sendBytes(Reply reply, int size, byte[] value) {
        if (size == 0) {
            reply.xattrSize(value.length);
        } else if (size < value.length) {
            reply.error(Errno.ERANGE);
        } else {
            MemorySegment buffer = reply.dataBuffer(value.length);
            MemorySegment.copy(value, 0, buffer, JAVA_BYTE, 0, value.length);
            reply.data(value.length);
        }
    }

    private Node create(RequestHeader header, String name, int mode) {
        Node parent = dir(header.nodeId());
        if (parent.children.containsKey(name)) {
            throw new FsError(Errno.EEXIST);
        }
        Node node = new Node(nextNode.getAndIncrement(), mode);
        node.uid = header.uid();
        node.gid = header.gid();
        nodes.put(node.id, node);
        parent.children.put(name, node);
        if (node.isDirectory()) {
            parent.nlink++;
        }
        parent.mtime = now();
        return node;
    }

    private void remove(long parentId, String name, boolean directory) {
        Node parent = dir(parentId);
        Node child = parent.children.get(name);
        if (child == null) {
            throw new FsError(Errno.ENOENT);
        }
        if (directory && !child.isDirectory()) {
            throw new FsError(Errno.ENOTDIR);
        }
        if (!directory && child.isDirectory()) {
            throw new FsError(Errno.EISDIR);
        }
        if (directory && !child.children.isEmpty()) {
            throw new FsError(Errno.ENOTEMPTY);
        }
        parent.children.remove(name);
        child.nlink -= directory ? 2 : 1;
        if (directory) {
            parent.nlink--;
        }
        parent.mtime = now();
    }

    private void rename(Request.Rename r) {
        Node from = dir(r.header().nodeId());
        Node to = dir(r.newParent());
        Node moving = from.children.get(r.name());
        if (moving == null) {
            throw new FsError(Errno.ENOENT);
        }
        Node existing = to.children.get(r.newName());
        if ((r.flags() & RENAME_EXCHANGE) != 0) {
            if (existing == null) {
                throw new FsError(Errno.ENOENT);
            }
            from.children.put(r.name(), existing);
            to.children.put(r.newName(), moving);
            return;
        }
        if (existing != null) {
            if ((r.flags() & RENAME_NOREPLACE) != 0) {
                throw new FsError(Errno.EEXIST);
            }
            if (existing.isDirectory() && !existing.children.isEmpty()) {
                throw new FsError(Errno.ENOTEMPTY);
            }
            existing.nlink--;
        }
        from.children.remove(r.name());
        to.children.put(r.newName(), moving);
        moving.ctime = now();
    }

    private Attributes setattr(Node node, AttributeChanges c) {
        if (c.mode() != null) {
            node.mode = (node.mode & FileType.S_IFMT) | (c.mode() & 07777);
        }
        if (c.uid() != null) {
            node.uid = c.uid();
        }
        if (c.gid() != null) {
            node.gid = c.gid();
        }
        if (c.size() != null) {
            node.resize(c.size());
            node.mtime = now();
        }
        if (c.atime() != null) {
            node.atime = c.atime().isNow() ? now() : c.atime();
        }
        if (c.mtime() != null) {
            node.mtime = c.mtime().isNow() ? now() : c.mtime();
        }
        if (c.killPrivileges()) {
            node.mode &= ~06000;
        }
        node.ctime = c.ctime() != null ? c.ctime() : now();
        return node.attributes();
    }

    private void open(Request.Open r, Reply reply) {
        Node node = node(r.header().nodeId());
        if (node.isDirectory()) {
            throw new FsError(Errno.EISDIR);
        }
        if ((r.flags() & O_TRUNC) != 0 && node.backing == null) {
            node.resize(0);
        }
        long fh = nextHandle.getAndIncrement();
        handles.put(fh, node);
        if (node.backing != null && init != null && init.passthrough()) {
            if (node.backingId == 0) {
                node.backingId = openBacking(node.backing);
            }
            node.passthroughOpens++;
            if (!reply.open(fh, Reply.FOPEN_PASSTHROUGH, node.backingId) && --node.passthroughOpens == 0) {
                closeBacking(node);
            }
            return;
        }
        reply.open(fh, directIo ? Reply.FOPEN_DIRECT_IO : 0, 0);
    }

    private int openBacking(Path hostFile) {
        int fd = TestNative.open(hostFile.toString(), O_RDONLY);
        try {
            return session.backingFiles().open(fd);
        } catch (BackingException e) {
            failures.add(e);
            throw new FsError(Errno.EIO);
        } finally {
            TestNative.close(fd);
        }
    }

    private void closeBacking(Node node) {
        try {
            session.backingFiles().close(node.backingId);
        } catch (BackingException e) {
            failures.add(e);
        }
        node.backingId = 0;
    }

    private void read(Request.Read r, Reply reply) {
        Node node = file(r.fh());
        if (node.backing != null) {
            try (FileChannel channel = FileChannel.open(node.backing, StandardOpenOption.READ)) {
                MemorySegment buffer = reply.dataBuffer(r.size());
                ByteBuffer target = buffer.asByteBuffer();
                int total = 0;
                while (target.hasRemaining()) {
                    int n = channel.read(target, r.offset() + total);
                    if (n <= 0) {
                        break;
                    }
                    total += n;
                }
                reply.data(total);
                return;
            } catch (IOException e) {
                throw new FsError(Errno.EIO);
            }
        }
        long available = Math.max(0, Math.min(r.size(), node.size - r.offset()));
        MemorySegment buffer = reply.dataBuffer((int) available);
        MemorySegment.copy(node.data, (int) r.offset(), buffer, JAVA_BYTE, 0, (int) available);
        reply.data((int) available);
    }

    private void readdir(Request.ReadDir r, Reply reply) {
        if (!(handles.get(r.fh()) instanceof DirHandle handle)) {
            throw new FsError(Errno.EBADF);
        }
        DirectoryReply out = reply.directory();
        // Offsets: 0 ".", 1 "..", then i + 2 for the i-th child.
        for (long offset = r.offset(); offset < handle.names().size() + 2; offset++) {
            String name;
            Node node;
            if (offset == 0) {
                name = ".";
                node = handle.dir();
            } else if (offset == 1) {
                name = "..";
                node = handle.dir();
            } else {
                name = handle.names().get((int) offset - 2);
                node = handle.nodes().get((int) offset - 2);
            }
            int type = FileType.ofMode(node.mode).direntType();
            boolean added = r.plus()
                    ? out.addPlus(offset < 2 ? new EntryOut(0, 0, 0, 0, node.attributes()) : entry(node),
                            offset + 1, type, name)
                    : out.add(node.id, offset + 1, type, name);
            if (!added) {
                break;
            }
        }
        out.send();
    }

    private void fallocate(Node node, long offset, long length, int mode) {
        if (mode == 0) {
            if (offset + length > node.size) {
                node.resize(offset + length);
            }
            node.markAllocated(offset, length);
        } else if (mode == (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)) {
            long end = Math.min(node.size, offset + length);
            if (end > offset) {
                Arrays.fill(node.data, (int) offset, (int) end, (byte) 0);
                long firstFull = (offset + BLOCK - 1) / BLOCK;
                long lastFull = end == node.size ? (end + BLOCK - 1) / BLOCK : end / BLOCK;
                if (lastFull > firstFull) {
                    node.allocated.clear((int) firstFull, (int) lastFull);
                }
            }
        } else {
            throw new FsError(Errno.EOPNOTSUPP);
        }
    }

    private long lseek(Node node, long offset, int whence) {
        if (offset >= node.size) {
            throw new FsError(Errno.ENXIO);
        }
        int block = (int) (offset / BLOCK);
        if (whence == SEEK_DATA) {
            int next = node.allocated.nextSetBit(block);
            if (next < 0 || (long) next * BLOCK >= node.size) {
                throw new FsError(Errno.ENXIO);
            }
            return Math.max(offset, (long) next * BLOCK);
        }
        if (whence == SEEK_HOLE) {
            int next = node.allocated.nextClearBit(block);
            return Math.min(node.size, Math.max(offset, (long) next * BLOCK));
        }
        throw new FsError(Errno.EINVAL);
    }

    private static TimeSpec now() {
        Instant now = Instant.now();
        return new TimeSpec(now.getEpochSecond(), now.getNano());
    }
}
