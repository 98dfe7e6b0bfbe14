package fuse.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Cloned descriptors: every reader thread serves requests when clients run concurrently. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MultiThreadTest {
    private static final int FILES = 8;
    private static final int FILE_SIZE = 256 * 1024;
    private static final int CHUNK = 16 * 1024;

    @RegisterExtension
    final MountFixture fixture = new MountFixture();

    @Test
    void everyReaderThreadServesEightConcurrentReaders() throws Exception {
        MemoryFs fs = new MemoryFs();
        fs.directIo = true; // every read() reaches the server
        byte[][] contents = new byte[FILES][FILE_SIZE];
        for (int i = 0; i < FILES; i++) {
            new Random(i).nextBytes(contents[i]);
            fs.addFile(fs.root, "f" + i, contents[i]);
        }
        fs.interceptor = (request, reply) -> {
            if (request instanceof Request.Read) {
                LockSupport.parkNanos(1_000_000); // a slow backend: requests overlap
            }
            return false;
        };
        FuseSession session = fixture.mount(fs, o -> o.withThreads(4));
        long[] before = session.requestsPerThread();

        List<CompletableFuture<byte[]>> readers = new ArrayList<>();
        for (int i = 0; i < FILES; i++) {
            Path file = session.mountpoint().resolve("f" + i);
            readers.add(Io.start("read " + file, () -> readInChunks(file)));
        }
        for (int i = 0; i < FILES; i++) {
            assertArrayEquals(contents[i], readers.get(i).get(30, TimeUnit.SECONDS), "file " + i);
        }

        long[] after = session.requestsPerThread();
        assertEquals(MountFixture.transport() == ChannelTransport.DEVICE ? ChannelTransport.DEVICE
                : ChannelTransport.URING, session.transport());
        long total = 0;
        if (session.transport() == ChannelTransport.URING) {
            // One reader stays on /dev/fuse (INIT, FORGET, INTERRUPT); the kernel queues each READ on the queue of
            // the CPU its caller runs on, so which queue thread serves how many is the scheduler's choice.
            for (int q = 1; q < after.length; q++) {
                total += after[q] - before[q];
            }
        } else {
            assertEquals(4, after.length);
            for (int t = 0; t < after.length; t++) {
                long served = after[t] - before[t];
                assertTrue(served > 0, "thread " + t + " served no request: " + Arrays.toString(after));
                total += served;
            }
        }
        assertTrue(total >= FILES * (FILE_SIZE / CHUNK), "at least one READ per chunk: " + total);
    }

    private static byte[] readInChunks(Path file) throws Exception {
        byte[] all = new byte[FILE_SIZE];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
            int position = 0;
            while (true) {
                buffer.clear();
                int n = channel.read(buffer, position);
                if (n <= 0) {
                    break;
                }
                System.arraycopy(buffer.array(), 0, all, position, n);
                position += n;
            }
            assertEquals(FILE_SIZE, position);
        }
        return all;
    }
}
