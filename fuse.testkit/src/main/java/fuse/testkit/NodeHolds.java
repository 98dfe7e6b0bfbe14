package fuse.testkit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

import fuse.api.Created;
import fuse.api.Entry;
import fuse.api.FileSystem;
import fuse.api.FuseException;
import fuse.api.Node;

/**
 * For tests that call a backend's {@link FileSystem} directly: the entries taken from it, counted per node as
 * the mount counts the kernel's lookups, and the node {@linkplain FileSystem#release(Node) released} when the
 * last one is given back, as the mount releases it. Share one among the threads that use one file system.
 *
 * <p>The mount makes sure that a lookup racing a release never hands over the released node; here a release
 * simply waits for the calls that answer entries ({@link #take(Call)}) to finish, and they for it. An entry given
 * back inside such a call (a test's hook that runs in a lookup) is released when the outermost call ends.
 */
public final class NodeHolds {
    /** A backend call that answers an entry (lookup, mkdir, create...). */
    @FunctionalInterface
    public interface Call<T> {
        T call() throws FuseException;
    }

    private final FileSystem fs;
    /** Entries taken and not given back, per node; guarded by itself. */
    private final Map<Node, Long> held = new HashMap<>();
    /** Read: a call that answers entries runs; write: a release runs. */
    private final ReentrantReadWriteLock releases = new ReentrantReadWriteLock();
    /** Nodes given back to zero inside a call of this thread, released when its outermost call ends. */
    private final ThreadLocal<List<Node>> deferred = ThreadLocal.withInitial(ArrayList::new);

    public NodeHolds(FileSystem fs) {
        this.fs = fs;
    }

    /** Runs {@code call} and counts the entry it answers. */
    public Entry take(Call<Entry> call) throws FuseException {
        return take(call, Entry::node);
    }

    /** Runs a create and counts the entry it answers. */
    public Created create(Call<Created> call) throws FuseException {
        return take(call, created -> created.entry().node());
    }

    private <T> T take(Call<T> call, Function<T, Node> nodeOf) throws FuseException {
        releases.readLock().lock();
        try {
            T answer = call.call();
            count(nodeOf.apply(answer));
            return answer;
        } finally {
            releases.readLock().unlock();
            if (releases.getReadHoldCount() == 0 && !deferred.get().isEmpty()) {
                List<Node> due = new ArrayList<>(deferred.get());
                deferred.get().clear();
                due.forEach(this::releaseIfUnheld);
            }
        }
    }

    /** Counts one entry of {@code node} that a single-threaded test got itself; returns the node. */
    public Node take(Entry entry) {
        count(entry.node());
        return entry.node();
    }

    private void count(Node node) {
        synchronized (held) {
            held.merge(node, 1L, Long::sum);
        }
    }

    /** Gives one entry of {@code node} back; the last one releases it. The root is never counted nor released. */
    public void giveBack(Node node) {
        if (node == fs.root()) {
            return;
        }
        synchronized (held) {
            Long left = held.merge(node, -1L, Long::sum);
            if (left < 0) {
                throw new IllegalStateException("gave back an entry of " + node + " that was never taken");
            }
            if (left > 0) {
                return;
            }
        }
        if (releases.getReadHoldCount() > 0) {
            deferred.get().add(node); // inside a call of this thread, which a release would wait for
        } else {
            releaseIfUnheld(node);
        }
    }

    /** Releases {@code node} unless an entry of it was taken again meanwhile. */
    private void releaseIfUnheld(Node node) {
        releases.writeLock().lock();
        try {
            synchronized (held) {
                Long left = held.get(node);
                if (left == null || left > 0) {
                    return;
                }
                held.remove(node);
            }
            fs.release(node);
        } finally {
            releases.writeLock().unlock();
        }
    }

    /** Nodes held now. */
    public int size() {
        synchronized (held) {
            return (int) held.values().stream().filter(n -> n > 0).count();
        }
    }
}
