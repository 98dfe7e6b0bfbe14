package fuse.channel.internal;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.Errno;
import fuse.channel.BackingFiles;
import fuse.channel.ChannelTransport;
import fuse.channel.FuseSession;
import fuse.channel.InitResult;
import fuse.channel.MountOptions;
import fuse.channel.Notifier;
import fuse.channel.RequestHandler;
import fuse.channel.kernel.FuseKernel;
import fuse.posix.PosixException;

/**
 * A mounted connection: N platform reader threads, thread 0 on the descriptor the mount was made with, the others
 * each on their own clone. The session ends when every reader has stopped (ENODEV after an unmount or abort,
 * or {@link #close()}); the last reader out closes the descriptor and tells the handler.
 *
 * <p>On io_uring, one reader on the descriptor (INIT, FORGET, INTERRUPT, and whatever comes before the queues are
 * registered) and one thread per ring queue after it; the queue threads register their entries once INIT agreed on
 * FUSE_OVER_IO_URING, and count as readers for the session's end.
 */
final class ChannelSession implements FuseSession, Dispatcher.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(ChannelSession.class);
    /** How long close() lets readers finish after the lazy unmount before aborting the connection. */
    static final long CLOSE_GRACE_MILLIS = 2_000;
    /** How long close() waits for readers after the abort. */
    static final long ABORT_WAIT_MILLIS = 5_000;
    private static final long DEVICE_CLOSE_MILLIS = 5_000;
    /** Counters one cache line apart: each is written by its own reader thread on every request. */
    private static final int COUNTER_STRIDE = 8;

    private final MountOptions options;
    private final Path mountpoint;
    private final long connectionId;
    private final RequestHandler handler;
    private final SessionDevice device;
    private final Dispatcher dispatcher;
    private final DeviceBackingFiles backingFiles;
    private final DeviceNotifier notifier;
    private final AbortSwitch abort;
    /** The mount table, kept open until {@link #finish} (after the unmount), which reads it without a new fd. */
    private final MountTable mountTable;
    private final Thread[] readers;
    /** The ring queues, empty on /dev/fuse; their threads follow the device readers in {@link #readers}. */
    private final UringQueue[] queues;
    private final int deviceReaders;
    /** Counted down when INIT was answered or a device reader stopped: the queue threads wait for it. */
    private final CountDownLatch initOrGone = new CountDownLatch(1);
    private volatile boolean uringAgreed;
    private final AtomicLongArray counters;
    private final AtomicInteger running;
    private final CountDownLatch initDone = new CountDownLatch(1);
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean finished = new AtomicBoolean();
    private final AtomicBoolean connectionLost = new AtomicBoolean();
    private volatile boolean connected = true;
    private volatile InitResult init;

    private ChannelSession(MountOptions options, Path mountpoint, long connectionId, int fd, RequestHandler handler,
            int maxPagesLimit, Optional<UringRings> rings, MountTable mountTable) {
        this.options = options;
        this.mountTable = mountTable;
        this.mountpoint = mountpoint;
        this.connectionId = connectionId;
        this.handler = handler;
        this.device = new SessionDevice(fd);
        this.queues = new UringQueue[rings.map(UringRings::queues).orElse(0)];
        for (int q = 0; q < queues.length; q++) {
            queues[q] = new UringQueue(q, rings.get().ring(q), fd, connectionId);
        }
        this.deviceReaders = queues.length > 0 ? 1 : options.threads();
        int threads = deviceReaders + queues.length;
        this.dispatcher = new Dispatcher(handler, new InitNegotiation(options, maxPagesLimit, queues.length > 0),
                this, threads);
        this.backingFiles = new DeviceBackingFiles(device, () -> {
            InitResult negotiated = init;
            return negotiated != null && negotiated.passthrough();
        });
        this.notifier = new DeviceNotifier(device, () -> {
            InitResult negotiated = init;
            return negotiated == null ? 0 : negotiated.minor();
        });
        this.abort = AbortSwitch.open(connectionId);
        this.readers = new Thread[threads];
        this.counters = new AtomicLongArray(threads * COUNTER_STRIDE);
        this.running = new AtomicInteger(threads);
    }

    /**
     * Starts the readers of a freshly mounted connection, and its ring queues when {@code rings} has them. On
     * failure nothing is left running; the caller still owns {@code fd}, the rings, {@code mountTable} and the
     * mount. On success the session owns {@code mountTable} and closes it when it ends.
     */
    static ChannelSession start(MountOptions options, Path mountpoint, long connectionId, int fd,
            RequestHandler handler, Optional<UringRings> rings, MountTable mountTable) throws IOException {
        ChannelSession session = new ChannelSession(options, mountpoint, connectionId, fd, handler,
                InitNegotiation.readMaxPagesLimit(), rings, mountTable);
        ReaderContext[] contexts = new ReaderContext[session.deviceReaders];
        try {
            contexts[0] = ReaderContext.forDevice(0, fd, options.maxWrite());
            for (int i = 1; i < contexts.length; i++) {
                contexts[i] = ReaderContext.forDevice(i, cloneDevice(fd), options.maxWrite());
            }
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            for (int i = 1; i < contexts.length; i++) {
                if (contexts[i] != null) {
                    LinuxCalls.close(contexts[i].fd());
                }
            }
            for (ReaderContext context : contexts) {
                if (context != null) {
                    context.close();
                }
            }
            session.notifier.close();
            session.abort.close();
            throw e;
        }
        String prefix = "fuse-" + options.subtype() + "-" + connectionId + "-reader-";
        for (int i = 0; i < contexts.length; i++) {
            ReaderContext context = contexts[i];
            session.readers[i] = Thread.ofPlatform().name(prefix + i).daemon(true)
                    .unstarted(() -> session.readLoop(context));
        }
        for (UringQueue queue : session.queues) {
            int slot = contexts.length + queue.qid();
            session.readers[slot] = Thread.ofPlatform()
                    .name("fuse-" + options.subtype() + "-" + connectionId + "-uring-" + queue.qid()).daemon(true)
                    .unstarted(() -> session.queueLoop(queue, slot));
        }
        for (Thread reader : session.readers) {
            reader.start();
        }
        return session;
    }

    /** A new /dev/fuse descriptor attached to the same connection, with its own processing queue. */
    private static int cloneDevice(int fd) throws IOException {
        int clone = DevFuse.open();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment original = arena.allocate(JAVA_INT);
            original.set(JAVA_INT, 0, fd);
            int rc = LinuxCalls.ioctl(clone, FuseKernel.DEV_IOC_CLONE, original);
            if (rc < 0) {
                LinuxCalls.close(clone);
                throw new IOException("FUSE_DEV_IOC_CLONE failed: " + Errno.of(-rc));
            }
            return clone;
        }
    }

    private void readLoop(ReaderContext ctx) {
        int index = ctx.index();
        MemorySegment in = ctx.in();
        long size = in.byteSize();
        try {
            while (true) {
                long n = LinuxCalls.read(ctx.fd(), in, size);
                if (n >= 0) {
                    try {
                        dispatcher.dispatch(ctx, n);
                    } catch (RuntimeException | Error e) {
                        LOG.error("reader {} of {}: request failed unexpectedly; going on", index, mountpoint, e);
                    }
                    served(index);
                    continue;
                }
                int errno = (int) -n;
                if (errno == Errno.EINTR.code() || errno == Errno.EAGAIN.code()
                        || errno == Errno.ENOENT.code()) {
                    // ENOENT: the request was interrupted before it could be read.
                    continue;
                }
                if (errno == Errno.ENODEV.code() || errno == Errno.ECONNABORTED.code()) {
                    connectionGone();
                } else {
                    LOG.error("reader {} of {}: read from /dev/fuse failed: {}; the reader stops", index,
                            mountpoint, Errno.of(errno));
                }
                break;
            }
        } finally {
            if (index > 0) {
                LinuxCalls.close(ctx.fd());
            }
            ctx.close();
            initOrGone.countDown();
            if (running.decrementAndGet() == 0) {
                finish();
            }
        }
    }

    private void served(int slot) {
        int at = slot * COUNTER_STRIDE;
        counters.setRelease(at, counters.getPlain(at) + 1);
    }

    /** A ring queue's thread: waits for INIT, then serves the queue until the connection ends. */
    private void queueLoop(UringQueue queue, int slot) {
        try {
            initOrGone.await();
            InitResult negotiated = init;
            if (uringAgreed && negotiated != null && connected) {
                queue.serve(negotiated, slot, dispatcher, () -> connected, () -> served(slot));
            }
        } catch (InterruptedException e) {
            LOG.warn("io_uring queue {} of {} interrupted before INIT", queue.qid(), mountpoint);
        } finally {
            queue.close();
            if (running.decrementAndGet() == 0) {
                finish();
            }
        }
    }

    private void connectionGone() {
        connected = false;
        if (connectionLost.compareAndSet(false, true)) {
            LOG.info("FUSE connection {} at {} ended ({})", connectionId, mountpoint,
                    closing.get() ? "closed" : "unmounted or aborted");
        }
    }

    /** Run once, by the last reader out. */
    private void finish() {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        connected = false;
        try {
            handler.destroyed();
        } catch (RuntimeException e) {
            LOG.warn("handler failed in destroyed()", e);
        }
        notifier.close();
        device.close(DEVICE_CLOSE_MILLIS);
        if (!closing.get()) {
            // An aborted connection stays mounted (ENOTCONN for every access): take it away.
            unmountIfOurs();
        }
        abort.close();
        mountTable.close();
        initDone.countDown();
        terminated.countDown();
    }

    /** Lazily unmounts the mountpoint if its topmost mount is still this connection. */
    private void unmountIfOurs() {
        try {
            Optional<MountTable.Mount> top = mountTable.top(mountpoint);
            if (top.isPresent() && top.get().device() == connectionId) {
                Mounter.detach(mountpoint);
            } else if (mountTable.isMounted(mountpoint, connectionId)) {
                LOG.warn("{} is covered by another mount: connection {} is aborted instead of unmounted",
                        mountpoint, connectionId);
                abort.pull();
            }
        } catch (IOException e) {
            LOG.warn("lazy unmount of {} failed: {}", mountpoint, e.getMessage());
        }
    }

    // ---- Dispatcher.Listener

    @Override
    public void initialized(InitResult result) {
        init = result;
        LOG.info("FUSE {} at {}: protocol {} (kernel {}.{}), max_write {}, max_pages {}, transport {}, "
                + "passthrough {}, flags 0x{} of 0x{}", connectionId, mountpoint, result.protocol(),
                result.kernelMajor(), result.kernelMinor(), result.maxWrite(), result.maxPages(),
                describeTransport(result),
                result.passthrough() ? "on (max_stack_depth " + result.maxStackDepth() + ")"
                        : options.passthrough() ? "refused by the kernel" : "off",
                Long.toHexString(result.flags()), Long.toHexString(result.kernelFlags()));
        handler.initialized(this, result);
    }

    private String describeTransport(InitResult result) {
        if (queues.length == 0) {
            return "/dev/fuse (" + deviceReaders + " reader threads)";
        }
        if (result.has(InitResult.OVER_IO_URING)) {
            return "io_uring (" + queues.length + " queues of " + UringQueue.DEPTH + " entries)";
        }
        return options.transport() == ChannelTransport.URING ? "io_uring refused by the kernel"
                : "/dev/fuse (the kernel did not offer io_uring; 1 reader thread)";
    }

    @Override
    public void initAnswered(InitResult result, boolean accepted) {
        if (!accepted) {
            LOG.warn("the kernel did not take the INIT reply at {}", mountpoint);
        }
        uringAgreed = accepted && queues.length > 0 && result.has(InitResult.OVER_IO_URING);
        if (queues.length > 0 && !result.has(InitResult.OVER_IO_URING)
                && options.transport() == ChannelTransport.URING) {
            LOG.error("transport=uring at {}: the kernel did not offer FUSE over io_uring at INIT ({}); aborting "
                    + "connection {}", mountpoint, UringRings.unavailableReason(UringRings.ENABLE_URING)
                    .orElse("enable_uring was turned off meanwhile?"), connectionId);
            abort.pull();
        }
        initDone.countDown();
        initOrGone.countDown();
    }

    @Override
    public void destroyRequested() {
        connected = false;
    }

    // ---- FuseSession

    @Override
    public MountOptions options() {
        return options;
    }

    @Override
    public Path mountpoint() {
        return mountpoint;
    }

    @Override
    public long connectionId() {
        return connectionId;
    }

    @Override
    public Optional<InitResult> init() {
        return Optional.ofNullable(init);
    }

    @Override
    public Optional<InitResult> awaitInit(Duration timeout) throws InterruptedException {
        initDone.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        return initDone.getCount() == 0 ? Optional.ofNullable(init) : Optional.empty();
    }

    @Override
    public ChannelTransport transport() {
        InitResult negotiated = init;
        boolean uring = queues.length > 0 && (negotiated == null || negotiated.has(InitResult.OVER_IO_URING));
        return uring ? ChannelTransport.URING : ChannelTransport.DEVICE;
    }

    @Override
    public BackingFiles backingFiles() {
        return backingFiles;
    }

    @Override
    public Notifier notifier() {
        return notifier;
    }

    @Override
    public boolean isAlive() {
        return connected && !closing.get() && terminated.getCount() > 0;
    }

    @Override
    public long[] requestsPerThread() {
        long[] result = new long[readers.length];
        for (int i = 0; i < result.length; i++) {
            result[i] = counters.getAcquire(i * COUNTER_STRIDE);
        }
        return result;
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            return false;
        }
        // The last reader counts the latch down from inside its own finally block: "terminated" promises that
        // every reader thread is gone, so wait for that last step too (a reader calling this cannot wait for itself).
        for (Thread reader : readers) {
            long left = deadline - System.nanoTime();
            if (reader != Thread.currentThread() && (left <= 0 || !reader.join(Duration.ofNanos(left)))) {
                return !reader.isAlive();
            }
        }
        return true;
    }

    @Override
    public boolean isMounted() {
        try {
            return mountTable.isMounted(mountpoint, connectionId);
        } catch (IOException e) {
            LOG.warn("cannot read the mount table: {}", e.getMessage());
            return true; // unknown: not claimed gone
        }
    }

    @Override
    public void close() {
        if (closing.compareAndSet(false, true)) {
            LOG.debug("closing FUSE connection {} at {}", connectionId, mountpoint);
            unmountIfOurs();
        }
        if (isReader(Thread.currentThread())) {
            // A reader cannot wait for itself: finish the close on the side.
            Thread.ofPlatform().name("fuse-close-" + connectionId).daemon(true).start(this::awaitReaders);
            return;
        }
        awaitReaders();
    }

    private boolean isReader(Thread thread) {
        return Arrays.asList(readers).contains(thread);
    }

    private void awaitReaders() {
        try {
            if (!terminated.await(CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.info("FUSE connection {} at {} still busy {} ms after unmount: aborting it", connectionId,
                        mountpoint, CLOSE_GRACE_MILLIS);
                abort.pull();
                if (!terminated.await(ABORT_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                    LOG.error("reader threads of {} are stuck in the request handler; left behind: {}", mountpoint,
                            Arrays.stream(readers).filter(Thread::isAlive).map(Thread::getName).toList());
                    return;
                }
            }
            for (Thread reader : readers) {
                if (reader != Thread.currentThread()) {
                    reader.join(ABORT_WAIT_MILLIS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "FuseSession[" + mountpoint + ", connection " + connectionId + "]";
    }
}
