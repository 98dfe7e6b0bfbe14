package fuse.mount.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import fuse.mount.testing.MemoryFileSystem;

/** The close-when-idle rule of {@link Binding} under the races its lock-free request count must handle. */
class BindingTest {
    private static final long WAIT_SECONDS = 30;

    private final ExecutorService threads = Executors.newFixedThreadPool(2);

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    /** Counts its closes, and whether one came while a request still used it. */
    private static final class CountingFileSystem extends MemoryFileSystem {
        final AtomicInteger using = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();
        final AtomicInteger closedInUse = new AtomicInteger();

        CountingFileSystem() {
            super("counting");
        }

        @Override
        public void close() {
            if (using.get() != 0) {
                closedInUse.incrementAndGet();
            }
            closes.incrementAndGet();
        }
    }

    private static Binding binding(CountingFileSystem fs) {
        return new Binding(BackendRef.of("counting", mount -> fs, 1), fs, 1);
    }

    @Test
    void aReleaseRacingTheRetirementClosesExactlyOnce() throws Exception {
        for (int round = 0; round < 2_000; round++) {
            CountingFileSystem fs = new CountingFileSystem();
            Binding binding = binding(fs);
            assertTrue(binding.acquire());
            CyclicBarrier start = new CyclicBarrier(2);
            Future<?> release = threads.submit(() -> {
                start.await(WAIT_SECONDS, TimeUnit.SECONDS);
                binding.release();
                return null;
            });
            Future<?> retire = threads.submit(() -> {
                start.await(WAIT_SECONDS, TimeUnit.SECONDS);
                binding.retire();
                return null;
            });
            release.get(WAIT_SECONDS, TimeUnit.SECONDS);
            retire.get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals(1, fs.closes.get(), "closes in round " + round);
            assertTrue(binding.isClosed());
            assertFalse(binding.acquire(), "a closed binding is acquired no more");
        }
    }

    @Test
    void requestsRacingTheRetirementNeverUseAClosedFileSystem() throws Exception {
        for (int round = 0; round < 200; round++) {
            CountingFileSystem fs = new CountingFileSystem();
            Binding binding = binding(fs);
            CyclicBarrier start = new CyclicBarrier(2);
            Future<Integer> requests = threads.submit(() -> {
                start.await(WAIT_SECONDS, TimeUnit.SECONDS);
                int served = 0;
                while (binding.acquire()) {
                    fs.using.incrementAndGet();
                    served++;
                    fs.using.decrementAndGet();
                    binding.release();
                }
                return served;
            });
            Future<?> retire = threads.submit(() -> {
                start.await(WAIT_SECONDS, TimeUnit.SECONDS);
                Thread.onSpinWait();
                binding.retire();
                return null;
            });
            retire.get(WAIT_SECONDS, TimeUnit.SECONDS);
            requests.get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals(1, fs.closes.get(), "closes in round " + round);
            assertEquals(0, fs.closedInUse.get(), "closed under a request in round " + round);
        }
    }

    @Test
    void awaitIdleSeesTheLastRelease() throws Exception {
        CountingFileSystem fs = new CountingFileSystem();
        Binding binding = binding(fs);
        assertTrue(binding.acquire());
        assertTrue(binding.acquire());
        assertFalse(binding.awaitIdle(TimeUnit.MILLISECONDS.toNanos(1)), "two requests in flight");
        CyclicBarrier waiting = new CyclicBarrier(2);
        Future<Boolean> idle = threads.submit(() -> {
            waiting.await(WAIT_SECONDS, TimeUnit.SECONDS);
            return binding.awaitIdle(TimeUnit.SECONDS.toNanos(WAIT_SECONDS));
        });
        waiting.await(WAIT_SECONDS, TimeUnit.SECONDS);
        binding.release();
        binding.release();
        assertTrue(idle.get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertEquals(0, fs.closes.get(), "idle is not retired");
        assertTrue(binding.acquire(), "still serving after the wait");
        binding.release();
    }

    @Test
    void openFilesKeepARetiredBindingUnlessForced() {
        CountingFileSystem fs = new CountingFileSystem();
        Binding binding = binding(fs);
        binding.handleOpened();
        assertTrue(binding.acquire());
        binding.retire();
        binding.release();
        assertEquals(0, fs.closes.get(), "an open file keeps it");
        assertTrue(binding.acquire(), "the open file's requests still run");
        binding.release();
        binding.handleClosed();
        assertEquals(1, fs.closes.get(), "closed with the last file");

        CountingFileSystem forcedFs = new CountingFileSystem();
        Binding forced = binding(forcedFs);
        forced.handleOpened();
        assertTrue(forced.acquire());
        forced.retire(true);
        assertEquals(0, forcedFs.closes.get(), "waits for the request in flight");
        forced.release();
        assertEquals(1, forcedFs.closes.get(), "then closes, files open or not");
        forced.handleClosed();
        assertEquals(1, forcedFs.closes.get());
    }
}
