package fuse.channel.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import fuse.api.Attributes;
import fuse.api.Errno;
import fuse.api.FileType;
import fuse.channel.EntryOut;
import fuse.channel.FuseChannel;
import fuse.channel.FuseSession;
import fuse.channel.MountOptions;
import fuse.channel.Reply;
import fuse.channel.Request;
import fuse.channel.RequestHandler;

/**
 * Round trips through the channel with a handler that does no work: {@code stat} in a loop (GETATTR, attribute
 * timeout 0) and 4 KiB {@code pread}s of a direct-I/O file (READ), with 1 and with N reader threads and 1 and N
 * client threads. Reports requests per second and the bytes the reader threads allocate per request (the
 * channel's own garbage plus the decoded request records).
 *
 * <p>Usage: {@code ChannelBench [seconds per run, default 3] [N, default 4]}; run as root
 * ({@code bench/channel/run.sh}).
 */
public final class ChannelBench {
    private static final long FILE_NODE = 2;
    private static final int FILE_SIZE = 1 << 20;
    private static final int BLOCK = 4096;

    private ChannelBench() {
    }

    public static void main(String[] args) throws Exception {
        Duration run = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 3);
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        System.out.printf(Locale.ROOT, "%-10s %8s %8s %12s %14s %10s%n", "workload", "readers", "clients",
                "requests/s", "alloc B/req", "us/op");
        Path dir = Files.createTempDirectory("fuse-channel-bench-");
        try {
            nativeStat(dir, run);
            for (int readers : new int[] {1, n}) {
                for (int clients : new int[] {1, n}) {
                    measure(dir, readers, clients, run);
                }
            }
        } finally {
            Files.deleteIfExists(dir);
        }
    }

    /** The same stat loop on the host directory, for scale: the cost of the system call without FUSE. */
    private static void nativeStat(Path dir, Duration run) throws Exception {
        long ops = loop(1, run, () -> () -> Files.readAttributes(dir, BasicFileAttributes.class));
        report("stat-host", 0, 1, ops, run, -1);
    }

    private static void measure(Path dir, int readers, int clients, Duration run) throws Exception {
        TrivialFs fs = new TrivialFs();
        MountOptions options = MountOptions.defaults(dir, "chbench").withThreads(readers);
        try (FuseSession session = FuseChannel.mount(options, fs)) {
            session.awaitInit(Duration.ofSeconds(10)).orElseThrow();
            Path file = dir.resolve("file");
            Files.readAttributes(file, BasicFileAttributes.class); // warm the entry cache

            long[] allocated = allocated(session);
            long[] served = session.requestsPerThread();
            long ops = loop(clients, run, () -> () -> Files.readAttributes(file, BasicFileAttributes.class));
            report("stat", readers, clients, ops, run, perRequest(session, allocated, served));

            loop(clients, Duration.ofMillis(500), () -> new Reader(file)); // warm-up
            allocated = allocated(session);
            served = session.requestsPerThread();
            ops = loop(clients, run, () -> new Reader(file));
            report("read-4k", readers, clients, ops, run, perRequest(session, allocated, served));
            System.out.println("           requests per reader thread: "
                    + Arrays.toString(session.requestsPerThread()));
        }
    }

    /** One client's 4 KiB preads at random block offsets, on its own open file. */
    private static final class Reader implements Op {
        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(BLOCK);

        Reader(Path file) throws java.io.IOException {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        }

        @Override
        public void run() throws Exception {
            buffer.clear();
            long offset = (long) (Math.random() * (FILE_SIZE / BLOCK)) * BLOCK;
            if (channel.read(buffer, offset) != BLOCK) {
                throw new IllegalStateException("short read");
            }
        }

        @Override
        public void close() throws java.io.IOException {
            channel.close();
        }
    }

    /** One client's operation; closed when the client stops. */
    @FunctionalInterface
    interface Op extends AutoCloseable {
        void run() throws Exception;

        @Override
        default void close() throws java.io.IOException {
        }
    }

    /**
     * Runs the operation {@code perClient} makes on each of {@code clients} threads for {@code run}; returns the
     * operations completed.
     */
    private static long loop(int clients, Duration run, java.util.concurrent.Callable<Op> perClient)
            throws Exception {
        LongAdder done = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch finished = new CountDownLatch(clients);
        List<Throwable> errors = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            Thread.ofPlatform().daemon(true).name("bench-client-" + i).start(() -> {
                try (Op op = perClient.call()) {
                    while (!stop.get()) {
                        op.run();
                        done.increment();
                    }
                } catch (Throwable t) {
                    synchronized (errors) {
                        errors.add(t);
                    }
                } finally {
                    finished.countDown();
                }
            });
        }
        Thread.sleep(run);
        stop.set(true);
        if (!finished.await(30, java.util.concurrent.TimeUnit.SECONDS) || !errors.isEmpty()) {
            throw new IllegalStateException("clients failed: " + errors);
        }
        return done.sum();
    }

    private static void report(String workload, int readers, int clients, long ops, Duration run, double alloc) {
        double seconds = run.toNanos() / 1e9;
        System.out.printf(Locale.ROOT, "%-10s %8s %8d %12.0f %14s %10.1f%n", workload,
                readers == 0 ? "-" : Integer.toString(readers), clients, ops / seconds,
                alloc < 0 ? "-" : String.format(Locale.ROOT, "%.0f", alloc), seconds * 1e6 / ops * clients);
    }

    private static long[] readerIds(FuseSession session) {
        String prefix = "fuse-chbench-" + session.connectionId() + "-reader-";
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix))
                .mapToLong(Thread::threadId).toArray();
    }

    private static long[] allocated(FuseSession session) {
        return mx().getThreadAllocatedBytes(readerIds(session));
    }

    private static double perRequest(FuseSession session, long[] allocatedBefore, long[] servedBefore) {
        long[] after = mx().getThreadAllocatedBytes(readerIds(session));
        long bytes = Arrays.stream(after).sum() - Arrays.stream(allocatedBefore).sum();
        long requests = Arrays.stream(session.requestsPerThread()).sum() - Arrays.stream(servedBefore).sum();
        return requests == 0 ? 0 : (double) bytes / requests;
    }

    private static com.sun.management.ThreadMXBean mx() {
        return (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    }

    /** A root with one 1 MiB file; answers from precomputed values so that the channel is what is measured. */
    static final class TrivialFs implements RequestHandler {
        private final Attributes rootAttributes = Attributes.builder(1, FileType.DIRECTORY.modeBits() | 0755)
                .linkCount(2).blockSize(BLOCK).build();
        private final Attributes fileAttributes = Attributes.builder(FILE_NODE, FileType.REGULAR.modeBits() | 0644)
                .size(FILE_SIZE).blocks(FILE_SIZE / 512).linkCount(1).blockSize(BLOCK).build();
        private final EntryOut fileEntry = new EntryOut(FILE_NODE, 0, 3_600_000_000_000L, 0, fileAttributes);
        private final MemorySegment content = Arena.global().allocate(FILE_SIZE, BLOCK);
        private final LongAdder unexpected = new LongAdder();

        @Override
        public void handle(Request request, Reply reply) {
            switch (request) {
                case Request.GetAttr r -> reply.attributes(r.header().nodeId() == FILE_NODE ? fileAttributes
                        : rootAttributes, 0);
                case Request.Lookup r -> {
                    if (r.name().equals("file")) {
                        reply.entry(fileEntry);
                    } else {
                        reply.error(Errno.ENOENT);
                    }
                }
                case Request.Open r -> reply.open(1, Reply.FOPEN_DIRECT_IO, 0);
                case Request.Read r -> {
                    int size = (int) Math.max(0, Math.min(r.size(), FILE_SIZE - r.offset()));
                    MemorySegment.copy(content, r.offset(), reply.dataBuffer(size), 0, size);
                    reply.data(size);
                }
                case Request.Flush r -> reply.ok();
                case Request.Release r -> reply.ok();
                case Request.Forget r -> {
                }
                case Request.BatchForget r -> {
                }
                default -> {
                    unexpected.increment();
                    reply.error(Errno.ENOSYS);
                }
            }
        }
    }
}
