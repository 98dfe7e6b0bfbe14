package fuse.posix.nodes;

import java.util.concurrent.atomic.AtomicInteger;

import fuse.api.Errno;
import fuse.api.FileType;
import fuse.api.FuseException;
import fuse.api.Node;
import fuse.posix.HostHandle;
import fuse.posix.Posix;

/**
 * A host file the mount knows, kept by {@link HostNodes}: its identity ({@code (device, inode)}, type and file
 * handle, once taken) and its {@code O_PATH} descriptor, which is open only while the node is used or recently
 * was. A backend extends it with what it remembers per file. Nodes are equal only to themselves: the cache makes
 * one per live host file, so two nodes are never the same file.
 *
 * <p>Descriptor states ({@link #uses}): {@value #CLOSED} no descriptor; 0 open and idle (the cache may close
 * it); {@code n > 0} open and held by {@code n} {@link NodeDescriptor}s. Opening and closing happen under the
 * node's lock; holding and letting go are single atomic steps.
 */
public class HostNode implements Node {
    static final int CLOSED = -1;

    private final long device;
    private final long inode;
    private final FileType type;
    final HostNodes<?> cache;
    /**
     * The way back to the file once its descriptor is closed: taken when the cache first closes it (or when the
     * node is made, for a directory or the first file of a file system); {@code null} until then. Written once,
     * under the node's lock, before the descriptor closes.
     */
    volatile HostHandle handle;
    /**
     * The node holds its descriptor until it is released: its file system gives no handle that the server can open,
     * so the descriptor is the only way back to the file. Set when the node is made, or under its lock when the
     * cache finds no handle to close it by.
     */
    volatile boolean keepsDescriptor;
    final AtomicInteger uses = new AtomicInteger(CLOSED);
    /** Valid while {@link #uses} is 0 or more; written under the node's lock before {@code uses} publishes it. */
    volatile int fd = -1;
    /**
     * Who the cache answered this node to ({@link HostNodes#node}, {@link HostNodes#findHeld}): {@value #MAKER}
     * only the caller that made it, which may still take it back ({@link HostNodes#takeBack}); {@value #SHARED}
     * another caller too, who may have handed it to the mount, so only the mount's release lets it go (for
     * good: the state never goes back); {@value #TAKEN_BACK} taken back, answered to no one again.
     */
    private final AtomicInteger answeredTo = new AtomicInteger(MAKER);
    private static final int MAKER = 1;
    private static final int SHARED = 2;
    private static final int TAKEN_BACK = -1;
    /** Used since the cache last looked (the clock's reference bit). */
    volatile boolean recentlyUsed;
    /** The mount released the node; its descriptor closes with the last use and never opens again. */
    volatile boolean retired;

    /** For a backend's subclass: pass on what the cache's factory was given. */
    protected HostNode(Identity identity) {
        this.device = identity.device;
        this.inode = identity.inode;
        this.type = identity.type;
        this.cache = identity.cache;
        this.handle = identity.handle;
        this.keepsDescriptor = identity.keepsDescriptor;
    }

    public final long device() {
        return device;
    }

    public final long inode() {
        return inode;
    }

    public final FileType type() {
        return type;
    }

    public final boolean isDirectory() {
        return type == FileType.DIRECTORY;
    }

    /**
     * The node's {@code O_PATH} descriptor for one use (close it when done): the cached one, or one opened from
     * the file handle.
     *
     * @throws FuseException ESTALE when the file is gone or the mount released the node; EMFILE/ENFILE when no
     *         descriptor can be opened
     */
    public final NodeDescriptor descriptor() throws FuseException {
        for (;;) {
            int current = uses.get();
            if (current >= 0) {
                if (uses.compareAndSet(current, current + 1)) {
                    if (!recentlyUsed) {
                        recentlyUsed = true;
                    }
                    return new NodeDescriptor(this, fd);
                }
            } else if (cache.reopen(this)) {
                return new NodeDescriptor(this, fd);
            }
        }
    }

    /** The cache answers this node to one more caller; {@code false} if it was taken back (make a new node). */
    final boolean answered() {
        int state = answeredTo.get();
        if (state == MAKER) {
            state = answeredTo.compareAndExchange(MAKER, SHARED);
        }
        return state != TAKEN_BACK;
    }

    /** Whether only the maker had the node, which is now taken back. */
    final boolean takenBack() {
        return answeredTo.compareAndSet(MAKER, TAKEN_BACK);
    }

    /** Whether the node has its descriptor open now: then its inode cannot be freed, nor its number reused. */
    final boolean holdsDescriptor() {
        return uses.get() >= 0;
    }

    void unpin() {
        if (uses.decrementAndGet() == 0 && retired) {
            cache.closeIdle(this);
        }
    }

    /**
     * Installs {@code descriptor} as the open descriptor (held {@code held} times), under the node's lock.
     *
     * @return false (nothing installed) when the node has a descriptor already or was retired
     */
    final boolean install(int descriptor, int held) {
        if (uses.get() != CLOSED || retired) {
            return false;
        }
        fd = descriptor;
        uses.set(held);
        return true;
    }

    /** Closes the descriptor if no use holds it, under the node's lock; whether it closed. */
    final boolean closeIfIdle() {
        if (!uses.compareAndSet(0, CLOSED)) {
            return false;
        }
        int open = fd;
        fd = -1;
        Posix.closeQuietly(open);
        return true;
    }

    final FuseException released() {
        return new FuseException(Errno.ESTALE, this + " was released");
    }

    @Override
    public final boolean equals(Object o) {
        return this == o;
    }

    @Override
    public final int hashCode() {
        return Long.hashCode(inode * 31 + device);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + device + ":" + inode + " " + type + "]";
    }

    /** What a node is made from; only {@link HostNodes} makes one, for its factory to hand to the constructor. */
    public static final class Identity {
        final HostNodes<?> cache;
        final long device;
        final long inode;
        final FileType type;
        final HostHandle handle;
        final boolean keepsDescriptor;

        Identity(HostNodes<?> cache, long device, long inode, FileType type, HostHandle handle,
                boolean keepsDescriptor) {
            this.cache = cache;
            this.device = device;
            this.inode = inode;
            this.type = type;
            this.handle = handle;
            this.keepsDescriptor = keepsDescriptor;
        }
    }
}
