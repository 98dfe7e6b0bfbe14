package fuse.backend.overlay.internal;

import static fuse.posix.Linux.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import fuse.api.AttributeChanges;
import fuse.api.Entry;
import fuse.api.Errno;
import fuse.api.FileSystem;
import fuse.api.FuseException;
import fuse.api.Node;
import fuse.api.Opened;
import fuse.api.TimeSpec;
import fuse.testkit.NodeHolds;
import fuse.testkit.TestCaller;

/**
 * {@link Ops} through the backend's SPI, resolving paths by lookups the way the kernel's VFS would (and
 * giving them back, which releases a node as the mount would): what a FUSE mount would ask for each system call
 * of {@link HostOps}.
 */
final class SpiOps implements Ops {
    private final FileSystem fs;
    private final NodeHolds holds;
    private final TestCaller caller = TestCaller.root();

    SpiOps(FileSystem fs) {
        this(fs, new NodeHolds(fs));
    }

    /** Ops on {@code fs} that share the entries {@code holds} counts (several threads on one file system). */
    SpiOps(FileSystem fs, NodeHolds holds) {
        this.fs = fs;
        this.holds = holds;
    }

    /** The entries this one counts, to share with another thread's. */
    NodeHolds holds() {
        return holds;
    }

    /** Nodes looked up for one operation, given back when it ends. */
    private final class Walk implements AutoCloseable {
        final List<Node> held = new ArrayList<>();

        Node resolve(String path) throws FuseException {
            Node node = fs.root();
            if (path.isEmpty()) {
                return node;
            }
            for (String part : path.split("/")) {
                Node parent = node;
                node = holds.take(() -> fs.lookup(caller, parent, part)).node();
                held.add(node);
            }
            return node;
        }

        Node parentOf(String path) throws FuseException {
            int slash = path.lastIndexOf('/');
            return resolve(slash < 0 ? "" : path.substring(0, slash));
        }

        @Override
        public void close() {
            for (Node n : held) {
                holds.giveBack(n);
            }
        }
    }

    private static String nameOf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    @FunctionalInterface
    private interface Call {
        void run(Walk walk) throws FuseException;
    }

    private Errno run(Call call) {
        try (Walk walk = new Walk()) {
            call.run(walk);
            return null;
        } catch (FuseException e) {
            return e.errno();
        }
    }

    @Override
    public Errno write(String path, long offset, byte[] data, boolean create, boolean truncate, int mode) {
        return run(w -> {
            Node parent = w.parentOf(path);
            int flags = O_WRONLY | (truncate ? O_TRUNC : 0);
            Opened opened;
            try {
                Entry e = holds.take(() -> fs.lookup(caller, parent, nameOf(path)));
                w.held.add(e.node());
                opened = fs.open(caller, e.node(), flags);
            } catch (FuseException e) {
                if (e.errno() != Errno.ENOENT || !create) {
                    throw e;
                }
                var created = holds.create(() -> fs.create(caller, parent, nameOf(path), flags | O_CREAT, mode));
                w.held.add(created.entry().node());
                opened = created.opened();
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buffer = arena.allocate(Math.max(1, data.length));
                MemorySegment.copy(data, 0, buffer, ValueLayout.JAVA_BYTE, 0, data.length);
                fs.write(caller, opened.handle(), offset, buffer.asSlice(0, data.length), false);
            } finally {
                fs.release(opened.handle());
            }
        });
    }

    @Override
    public Errno readAll(String path, byte[][] out) {
        return run(w -> out[0] = Tree.readSpi(fs, w.resolve(path)));
    }

    @Override
    public Errno truncate(String path, long size) {
        return run(w -> fs.setattr(caller, w.resolve(path), null, AttributeChanges.NONE.withSize(size)));
    }

    @Override
    public Errno chmod(String path, int mode) {
        return run(w -> fs.setattr(caller, w.resolve(path), null, AttributeChanges.NONE.withMode(mode)));
    }

    @Override
    public Errno setxattr(String path, String name, byte[] value) {
        return run(w -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment v = arena.allocate(Math.max(1, value.length)).asSlice(0, value.length);
                MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
                fs.setxattr(caller, w.resolve(path), name, v, 0);
            }
        });
    }

    @Override
    public Errno removexattr(String path, String name) {
        return run(w -> fs.removexattr(caller, w.resolve(path), name));
    }

    @Override
    public Errno unlink(String path) {
        return run(w -> fs.unlink(caller, w.parentOf(path), nameOf(path)));
    }

    @Override
    public Errno mkdir(String path, int mode) {
        return run(w -> {
            w.held.add(holds.take(() -> fs.mkdir(caller, w.parentOf(path), nameOf(path), mode)).node());
        });
    }

    @Override
    public Errno rmdir(String path) {
        return run(w -> fs.rmdir(caller, w.parentOf(path), nameOf(path)));
    }

    @Override
    public Errno rename(String from, String to, int flags) {
        return run(w -> fs.rename(caller, w.parentOf(from), nameOf(from), w.parentOf(to), nameOf(to), flags));
    }

    @Override
    public Errno symlink(String target, String path) {
        return run(w -> {
            w.held.add(holds.take(() -> fs.symlink(caller, w.parentOf(path), nameOf(path), target)).node());
        });
    }

    @Override
    public Errno link(String from, String to) {
        return run(w -> {
            w.held.add(holds.take(() -> fs.link(caller, w.resolve(from), w.parentOf(to), nameOf(to))).node());
        });
    }

    @Override
    public Errno mkfifo(String path, int mode) {
        return run(w -> {
            w.held.add(holds.take(() -> fs.mknod(caller, w.parentOf(path), nameOf(path), S_IFIFO | mode, 0)).node());
        });
    }

    @Override
    public Errno utimes(String path, long mtimeSeconds) {
        return run(w -> fs.setattr(caller, w.resolve(path), null,
                AttributeChanges.NONE.withTimes(null, new TimeSpec(mtimeSeconds, 0))));
    }
}
