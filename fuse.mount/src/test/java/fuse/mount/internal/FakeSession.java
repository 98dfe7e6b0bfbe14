package fuse.mount.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import fuse.api.Errno;
import fuse.channel.BackingException;
import fuse.channel.BackingFiles;
import fuse.channel.FuseSession;
import fuse.channel.InitResult;
import fuse.channel.MountOptions;
import fuse.channel.Notifier;
import fuse.channel.Request;
import fuse.channel.RequestHandler;

/** A session without a kernel: requests are fed by the test through {@link #send}. */
final class FakeSession implements FuseSession {
    static final long DEFAULT_FLAGS = InitResult.PASSTHROUGH | InitResult.HANDLE_KILLPRIV_V2 | InitResult.INIT_EXT;

    final MountOptions options;
    final RequestHandler handler;
    final InitResult init;
    final List<String> notifications = Collections.synchronizedList(new ArrayList<>());
    final Set<Integer> liveIds = ConcurrentHashMap.newKeySet();
    private final AtomicInteger nextId = new AtomicInteger(1);
    volatile boolean alive = true;
    volatile int closes;

    FakeSession(MountOptions options, RequestHandler handler, boolean passthrough) {
        this.options = options;
        this.handler = handler;
        this.init = new InitResult(7, 45, 45, DEFAULT_FLAGS, DEFAULT_FLAGS, 1 << 20, 256, 1 << 20, 12, 9, 1, 1,
                passthrough);
        handler.initialized(this, init);
    }

    FakeReply send(Request request) {
        FakeReply reply = new FakeReply();
        handler.handle(request, reply);
        return reply;
    }

    FakeReply send(Request request, boolean accept) {
        FakeReply reply = new FakeReply(accept);
        handler.handle(request, reply);
        return reply;
    }

    @Override
    public MountOptions options() {
        return options;
    }

    @Override
    public Path mountpoint() {
        return options.mountpoint();
    }

    @Override
    public long connectionId() {
        return 42;
    }

    @Override
    public Optional<InitResult> init() {
        return Optional.of(init);
    }

    @Override
    public Optional<InitResult> awaitInit(Duration timeout) {
        return Optional.of(init);
    }

    @Override
    public BackingFiles backingFiles() {
        return new BackingFiles() {
            @Override
            public int open(int fd) throws BackingException {
                if (!init.passthrough()) {
                    throw BackingException.of(Errno.EPERM, false, "fd " + fd);
                }
                int id = nextId.getAndIncrement();
                liveIds.add(id);
                return id;
            }

            @Override
            public void close(int backingId) throws BackingException {
                if (!liveIds.remove(backingId)) {
                    throw new BackingException.UnknownId(Errno.ENOENT, "id " + backingId);
                }
            }
        };
    }

    @Override
    public Notifier notifier() {
        return new Notifier() {
            @Override
            public boolean invalidateInode(long nodeId, long offset, long length) {
                notifications.add("inode " + nodeId);
                return true;
            }

            @Override
            public boolean invalidateEntry(long parentNodeId, String name) {
                notifications.add("entry " + parentNodeId + "/" + name);
                return true;
            }

            @Override
            public boolean delete(long parentNodeId, long childNodeId, String name) {
                notifications.add("delete " + parentNodeId + "/" + name);
                return true;
            }

            @Override
            public boolean invalidateAllEntries() {
                return false; // an older kernel: the mount invalidates name by name
            }
        };
    }

    @Override
    public boolean isAlive() {
        return alive;
    }

    @Override
    public long[] requestsPerThread() {
        return new long[] {0};
    }

    @Override
    public boolean awaitTermination(Duration timeout) {
        return !alive;
    }

    @Override
    public void close() {
        closes++;
        if (alive) {
            alive = false;
            handler.destroyed();
        }
    }
}
