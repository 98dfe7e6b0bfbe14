package fuse.backend.local.kernel;

import static fuse.posix.Linux.RLIMIT_NOFILE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import fuse.mount.testing.TestMount;
import fuse.posix.Posix;
import fuse.posix.ResourceLimit;
import fuse.testkit.posix.Python;

/**
 * The descriptor-exhaustion attack of issue 23, with the limits lowered so that it takes seconds: as uid 65534,
 * {@value #FILES} files created through an {@code allow_other} mount in one directory, then {@code ls -l} of it,
 * all succeeding, while root creates files on a second mount of the same server; meanwhile the server's
 * descriptors stay under a bound computed from the configured limits ({@code node_descriptors},
 * {@code max_open_files}, reader threads), and its soft {@code RLIMIT_NOFILE} is set just above that bound, so a
 * descriptor per known node (the old scheme: one per file) would fail with EMFILE within the first few hundred.
 */
@Timeout(240)
class ExhaustionKernelTest {
    private static final int FILES = 30_000;
    private static final int NODE_DESCRIPTORS = 64;
    private static final int MAX_OPEN_FILES = 16;
    private static final int THREADS = 2;
    /**
     * Per mount: the cached node descriptors, each open file (and an O_DIRECT one's buffered twin), and the
     * descriptors requests hold while they run (at most two nodes each, as rename, plus the one they open).
     */
    private static final int PER_MOUNT = NODE_DESCRIPTORS + 2 * MAX_OPEN_FILES + 3 * THREADS;
    /** The JVM's own comings and goings meanwhile (the child processes' pipes, the sampler's listing). */
    private static final int SLACK = 32;
    private static final String CREATE = """
            import os, sys
            d, n = sys.argv[1], int(sys.argv[2])
            for i in range(n):
                os.close(os.open(os.path.join(d, "f%05d" % i), os.O_CREAT | os.O_WRONLY, 0o644))
            print(n, flush=True)
            """;

    @TempDir
    Path base;

    @Test
    void aUserCreatingThirtyThousandFilesNeitherFailsNorStarvesAnotherMount() throws Exception {
        Map<String, Object> options = Map.of("allow_other", true, "threads", THREADS,
                "max_open_files", MAX_OPEN_FILES, "node_descriptors", NODE_DESCRIPTORS);
        ResourceLimit original = Posix.getrlimit(RLIMIT_NOFILE);
        try (ContendedMounts mounts = ContendedMounts.mount(base, LocalMounts.DEFAULT_POLICY, options)) {
            TestMount attacked = mounts.contended;
            TestMount spare = mounts.spare;
            long baseline = openDescriptors();
            long bound = baseline + 2 * PER_MOUNT + SLACK;
            Posix.setrlimit(RLIMIT_NOFILE, new ResourceLimit(bound + 8, original.hard()));
            try (DescriptorSampler sampler = new DescriptorSampler()) {
                AtomicBoolean attacking = new AtomicBoolean(true);
                AtomicInteger rootCreates = new AtomicInteger();
                AtomicReference<Throwable> rootFailure = new AtomicReference<>();
                Thread root = Thread.ofPlatform().name("root-creates").start(() -> {
                    try {
                        while (attacking.get() || rootCreates.get() < 100) {
                            int i = rootCreates.get();
                            spare.io(() -> Files.writeString(spare.path("root-" + i), "r" + i));
                            rootCreates.incrementAndGet();
                        }
                    } catch (Throwable t) {
                        rootFailure.set(t);
                    }
                });
                try {
                    List<String> create = new ArrayList<>(Python.NOBODY);
                    create.addAll(List.of(Python.PYTHON, "-c", CREATE, attacked.path().toString(),
                            Integer.toString(FILES)));
                    assertEquals(Integer.toString(FILES), attacked.run(Duration.ofSeconds(150),
                            create.toArray(String[]::new)).strip(), "every create succeeded");
                    List<String> list = new ArrayList<>(Python.NOBODY);
                    list.addAll(List.of("ls", "-l", attacked.path().toString()));
                    String listing = attacked.run(Duration.ofSeconds(60), list.toArray(String[]::new));
                    assertEquals(FILES + 1, listing.lines().count(), "ls -l: 'total' and one line per file");
                } finally {
                    attacking.set(false);
                    root.join(Duration.ofSeconds(60));
                }
                assertEquals(null, rootFailure.get(), "root's creates on the other mount all succeeded");
                assertTrue(rootCreates.get() >= 100, "root created files meanwhile: " + rootCreates.get());
                try (Stream<Path> made = Files.list(mounts.other)) {
                    assertEquals(rootCreates.get(), made.count());
                }
                try (Stream<Path> made = Files.list(mounts.shared)) {
                    assertEquals(FILES, made.count(), "what the host has");
                }
                long peak = sampler.peak();
                assertTrue(peak <= bound, "the server held " + peak + " descriptors at most; bound " + bound
                        + " (" + baseline + " before, " + PER_MOUNT + " per mount)");
            }
        } finally {
            Posix.setrlimit(RLIMIT_NOFILE, original);
        }
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count() - 1; // the listing's own
        }
    }

    /** The most descriptors this process had open, sampled every few milliseconds. */
    private static final class DescriptorSampler implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicReference<Long> peak = new AtomicReference<>(0L);
        private final Thread thread = Thread.ofPlatform().daemon().name("fd-sampler").start(this::sample);

        private void sample() {
            while (running.get()) {
                try {
                    long now = openDescriptors();
                    peak.accumulateAndGet(now, Math::max);
                    Thread.sleep(5); // the sampling period: a sampler watches for a peak, it awaits nothing
                } catch (IOException e) {
                    peak.set(Long.MAX_VALUE); // the table was full: the bound is broken
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        long peak() throws InterruptedException {
            running.set(false);
            thread.join();
            return peak.get();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }
}
