package fuse.posix.nodes;

/**
 * A node's {@code O_PATH} descriptor, held open for one use: {@code try (NodeDescriptor d = node.descriptor())
 * { Posix.fstat(d.fd()); }}. While any use holds it, the cache never closes it, so the number cannot come to
 * name another file meanwhile. One thread's, closed once.
 */
public final class NodeDescriptor implements AutoCloseable {
    private final HostNode node;
    private final int fd;
    private boolean closed;

    NodeDescriptor(HostNode node, int fd) {
        this.node = node;
        this.fd = fd;
    }

    /** The descriptor: {@code O_PATH}, the node's own file (never a symlink's target). */
    public int fd() {
        return fd;
    }

    /** Ends this use; the descriptor stays cached or is closed, as the cache decides. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            node.unpin();
        }
    }
}
