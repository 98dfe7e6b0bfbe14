package fuse.e2e;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * A load on a mount, run as a process of its own ({@code java -cp … fuse.e2e.LoadGenerator <dir> <report>}) so
 * that the container serving the mount cannot be blocked by it nor it by a test thread. Arguments: the directory to
 * load (on the mount), the report file, and a control directory (off the mount) where it creates {@code started}
 * once its files are prepared and where the test creates {@code stop}. Until then (or ten minutes) it runs, each on
 * its own thread:
 * <ul>
 * <li>random 4 KiB reads and writes, checked against an in-memory model, on files kept open the whole run: one
 * passed through ({@code random.bin}) and one served in Java ({@code random.log});</li>
 * <li>sequential 256 KiB writes then reads, file reopened every pass: {@code seq.bin} and {@code seq.log};</li>
 * <li>create, stat, readdir, rename, read, unlink in a loop, in {@code meta/}.</li>
 * </ul>
 * An optional fourth argument bounds the run in seconds instead of ten minutes ({@code bench/soak.sh} runs it
 * longer). Every second the counts so far go to {@code counts} in the control directory ({@code op calls} per
 * line, then {@code failures N}), written aside and renamed, for a sampler to read.
 * Every failed call is counted and reported (a failed syscall); every call slower than 2 ms is reported with its
 * start ({@link System#nanoTime()}, which is CLOCK_MONOTONIC and so comparable with the test's clock) for
 * attributing stalls to swaps. At the end it closes everything and reports the SHA-256 the model predicts for each
 * data file, for the test to check against the backing files.
 */
public final class LoadGenerator {
    static final int BLOCK = 4096;
    static final int RANDOM_BLOCKS = 2048; // 8 MiB
    static final int SEQ_CHUNK = 256 * 1024;
    static final int SEQ_CHUNKS = 16; // 4 MiB
    private static final long SLOW_NANOS = 2_000_000;
    private static final long DEFAULT_RUN_SECONDS = 600;

    record Failure(String worker, String op, String message) {
    }

    record Slow(long start, long nanos, String worker, String op) {
    }

    private final Path dir;
    private final Path stop;
    private final AtomicLong ops = new AtomicLong();
    private final Map<String, LongAdder> calls = new ConcurrentSkipListMap<>();
    private final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Slow> slow = new ConcurrentLinkedQueue<>();
    private final List<String> checksums = new ArrayList<>();
    private final long deadline;

    private final Path control;

    private LoadGenerator(Path dir, Path control, long runSeconds) {
        this.dir = dir;
        this.control = control;
        this.stop = control.resolve("stop");
        this.deadline = System.nanoTime() + runSeconds * 1_000_000_000L;
    }

    public static void main(String[] args) throws Exception {
        long runSeconds = args.length > 3 ? Long.parseLong(args[3]) : DEFAULT_RUN_SECONDS;
        LoadGenerator load = new LoadGenerator(Path.of(args[0]), Path.of(args[2]), runSeconds);
        load.run(Path.of(args[1]));
    }

    /** The counts so far, replaced atomically so that a reader never sees half a file. */
    private void writeCounts() {
        StringBuilder text = new StringBuilder();
        calls.forEach((op, n) -> text.append(op).append(' ').append(n.sum()).append('\n'));
        text.append("failures ").append(failures.size()).append('\n');
        try {
            Path aside = control.resolve("counts.tmp");
            Files.writeString(aside, text);
            Files.move(aside, control.resolve("counts"), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // the control directory is off the mount; a sampler misses one second at worst
        }
    }

    private boolean running() {
        return !Files.exists(stop) && System.nanoTime() < deadline;
    }

    private void run(Path report) throws Exception {
        Files.createDirectories(dir.resolve("meta"));
        List<Worker> workers = List.of(new RandomWorker("random.bin"), new RandomWorker("random.log"),
                new SequentialWorker("seq.bin"), new SequentialWorker("seq.log"), new MetadataWorker());
        for (Worker worker : workers) {
            worker.prepare();
        }
        Files.writeString(control.resolve("started"), "");
        List<Thread> threads = workers.stream().map(w -> Thread.ofPlatform().name(w.name).start(w::loop)).toList();
        for (Thread thread : threads) {
            while (thread.isAlive()) {
                thread.join(1000);
                writeCounts();
            }
        }
        writeCounts();
        for (Worker worker : workers) {
            worker.finish();
        }
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(report))) {
            out.println("ops=" + ops.get());
            out.println("failures=" + failures.size());
            failures.stream().limit(50).forEach(f -> out.println("failure=" + f.worker() + " " + f.op() + " "
                    + f.message().replace('\n', ' ')));
            slow.forEach(s -> out.println("slow=" + s.start() + " " + s.nanos() + " " + s.worker() + " " + s.op()));
            checksums.forEach(c -> out.println("checksum=" + c));
        }
    }

    @FunctionalInterface
    interface Call<T> {
        T call() throws Exception;
    }

    abstract class Worker {
        final String name;

        Worker(String name) {
            this.name = name;
        }

        void prepare() throws IOException {
        }

        abstract void step() throws Exception;

        void finish() throws IOException {
        }

        void loop() {
            while (running()) {
                try {
                    step();
                } catch (Exception e) {
                    // Already counted by timed(); a step that failed starts afresh.
                }
            }
        }

        /** One call on the mount: timed, counted, and a failure recorded before it propagates. */
        <T> T timed(String op, Call<T> call) throws Exception {
            long start = System.nanoTime();
            try {
                return call.call();
            } catch (Exception e) {
                failures.add(new Failure(name, op, e.toString()));
                throw e;
            } finally {
                long nanos = System.nanoTime() - start;
                ops.incrementAndGet();
                calls.computeIfAbsent(op, k -> new LongAdder()).increment();
                if (nanos > SLOW_NANOS) {
                    slow.add(new Slow(start, nanos, name, op));
                }
            }
        }

        void verify(boolean ok, String op, String what) {
            if (!ok) {
                failures.add(new Failure(name, op, "data mismatch: " + what));
            }
        }
    }

    static byte[] block(int index, int version) {
        byte[] data = new byte[BLOCK];
        new SplittableRandom(index * 1_000_003L + version).nextBytes(data);
        return data;
    }

    /** Random block reads and writes on one file kept open for the whole run. */
    final class RandomWorker extends Worker {
        private final Path file;
        private final int[] versions = new int[RANDOM_BLOCKS];
        private final SplittableRandom random = new SplittableRandom(42);
        private FileChannel channel;

        RandomWorker(String file) {
            super(file);
            this.file = dir.resolve(file);
        }

        @Override
        void prepare() throws IOException {
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                for (int b = 0; b < RANDOM_BLOCKS; b++) {
                    out.write(ByteBuffer.wrap(block(b, 0)), (long) b * BLOCK);
                }
            }
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }

        @Override
        void step() throws Exception {
            int b = random.nextInt(RANDOM_BLOCKS);
            long offset = (long) b * BLOCK;
            if (random.nextBoolean()) {
                int version = versions[b] + 1;
                ByteBuffer data = ByteBuffer.wrap(block(b, version));
                timed("pwrite", () -> writeFully(channel, data, offset));
                versions[b] = version;
            } else {
                ByteBuffer data = ByteBuffer.allocate(BLOCK);
                timed("pread", () -> readFully(channel, data, offset));
                verify(Arrays.equals(data.array(), block(b, versions[b])), "pread", "block " + b);
            }
        }

        @Override
        void finish() throws IOException {
            channel.close();
            MessageDigest sha = sha256();
            for (int b = 0; b < RANDOM_BLOCKS; b++) {
                sha.update(block(b, versions[b]));
            }
            checksums.add(file.getFileName() + " " + HexFormat.of().formatHex(sha.digest()));
        }
    }

    /** Whole-file passes: reopen, write every chunk, reopen, read every chunk back. */
    final class SequentialWorker extends Worker {
        private final Path file;
        private int pass;
        private int written = -1;

        SequentialWorker(String file) {
            super(file);
            this.file = dir.resolve(file);
        }

        private byte[] chunk(int index, int version) {
            byte[] data = new byte[SEQ_CHUNK];
            new SplittableRandom(index * 7919L + version * 104_729L + name.hashCode()).nextBytes(data);
            return data;
        }

        @Override
        void step() throws Exception {
            int version = ++pass;
            try (FileChannel out = timed("open-write", () -> FileChannel.open(file, StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE))) {
                for (int c = 0; c < SEQ_CHUNKS; c++) {
                    ByteBuffer data = ByteBuffer.wrap(chunk(c, version));
                    long offset = (long) c * SEQ_CHUNK;
                    timed("write", () -> writeFully(out, data, offset));
                }
            }
            written = version;
            try (FileChannel in = timed("open-read", () -> FileChannel.open(file, StandardOpenOption.READ))) {
                for (int c = 0; c < SEQ_CHUNKS; c++) {
                    ByteBuffer data = ByteBuffer.allocate(SEQ_CHUNK);
                    long offset = (long) c * SEQ_CHUNK;
                    timed("read", () -> readFully(in, data, offset));
                    verify(Arrays.equals(data.array(), chunk(c, version)), "read", "chunk " + c + " pass " + version);
                }
            }
        }

        @Override
        void finish() {
            if (written < 0) {
                return;
            }
            MessageDigest sha = sha256();
            for (int c = 0; c < SEQ_CHUNKS; c++) {
                sha.update(chunk(c, written));
            }
            checksums.add(file.getFileName() + " " + HexFormat.of().formatHex(sha.digest()));
        }
    }

    /** Names: create, stat, rename, stat, read, unlink. */
    final class MetadataWorker extends Worker {
        private final Path meta = dir.resolve("meta");
        private long round;

        MetadataWorker() {
            super("metadata");
        }

        @Override
        void step() throws Exception {
            long i = round++;
            Path created = meta.resolve("f-" + i);
            Path renamed = meta.resolve("g-" + i);
            String content = "content of " + i;
            timed("create", () -> Files.writeString(created, content, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE));
            long size = timed("stat", () -> Files.size(created));
            verify(size == content.length(), "stat", "size of " + created);
            long listed = timed("readdir", () -> {
                try (Stream<Path> names = Files.list(meta)) {
                    return names.count();
                }
            });
            verify(listed >= 1, "readdir", meta + " lists no " + created.getFileName());
            timed("rename", () -> Files.move(created, renamed));
            timed("stat-renamed", () -> Files.size(renamed));
            verify(timed("read", () -> Files.readString(renamed)).equals(content), "read", renamed.toString());
            timed("unlink", () -> {
                Files.delete(renamed);
                return null;
            });
            boolean gone = timed("stat-gone", () -> {
                try {
                    Files.readAttributes(created, "size");
                    return false;
                } catch (NoSuchFileException e) {
                    return true;
                }
            });
            verify(gone, "stat-gone", created + " still there");
        }
    }

    static int writeFully(FileChannel channel, ByteBuffer data, long offset) throws IOException {
        int done = 0;
        while (data.hasRemaining()) {
            done += channel.write(data, offset + done);
        }
        return done;
    }

    static int readFully(FileChannel channel, ByteBuffer data, long offset) throws IOException {
        int done = 0;
        while (data.hasRemaining()) {
            int n = channel.read(data, offset + done);
            if (n < 0) {
                throw new IOException("unexpected end of file at " + (offset + done));
            }
            done += n;
        }
        return done;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
