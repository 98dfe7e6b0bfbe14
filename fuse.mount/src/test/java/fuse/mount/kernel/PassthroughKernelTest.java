package fuse.mount.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import fuse.channel.BackingException;
import fuse.mount.MountState;
import fuse.mount.testing.HostDirectoryBackend;
import fuse.mount.testing.TestMount;
import fuse.passthrough.BackingIdInfo;
import fuse.passthrough.PassthroughStatistics;
import fuse.testkit.KernelMounts;
import fuse.testkit.Wait;

/**
 * The passthrough lifecycle through real kernel mounts: who serves the bytes, how backing ids are shared and
 * closed, and that mixed io modes never cost the user an EIO.
 */
@Timeout(120)
class PassthroughKernelTest {
    private static final long BIG = 256L << 20;
    private static Path bigDirectory;
    private static String bigHash;

    @TempDir
    Path backing;

    @BeforeAll
    static void writeBigFile() throws Exception {
        bigDirectory = Files.createTempDirectory("fuse-big-");
        Path big = bigDirectory.resolve("big");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
        SplittableRandom random = new SplittableRandom(42);
        try (FileChannel out = FileChannel.open(big, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long written = 0; written < BIG; written += chunk.capacity()) {
                chunk.clear();
                while (chunk.hasRemaining()) {
                    chunk.putLong(random.nextLong());
                }
                sha.update(chunk.array());
                chunk.flip();
                while (chunk.hasRemaining()) {
                    out.write(chunk);
                }
            }
        }
        bigHash = HexFormat.of().formatHex(sha.digest());
    }

    @AfterAll
    static void removeBigFile() throws IOException {
        Files.deleteIfExists(bigDirectory.resolve("big"));
        Files.deleteIfExists(bigDirectory);
    }

    /** Bytes this JVM (the server) has read through read(2)-like calls so far. */
    private static long rchar() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
            if (line.startsWith("rchar:")) {
                return Long.parseLong(line.substring(6).trim());
            }
        }
        throw new IllegalStateException("no rchar in /proc/self/io");
    }

    /** A file's hash as another process reads it, and the bytes that process (with its children) read. */
    private record Hash(String sha256, long readerRchar) {
    }

    /**
     * Hashes {@code file} in a child process. The kernel adds a reaped child's I/O counts to its parent's, so the
     * child reports its own {@code rchar} (read by its shell after the hash) for the caller to subtract.
     */
    private static Hash sha256sum(TestMount mount, Path file) throws Exception {
        String[] lines = mount.run(Duration.ofSeconds(60), "sh", "-c",
                "sha256sum \"$1\" && grep '^rchar:' /proc/$$/io", "sh", file.toString()).split("\n");
        return new Hash(lines[0].split(" ")[0], Long.parseLong(lines[1].substring(6).trim()));
    }


    private Path file(String name, String content) throws IOException {
        Path path = backing.resolve(name);
        Files.createDirectories(path.getParent());
        return Files.writeString(path, content);
    }

    @Test
    void aPassedThroughFileIsReadWithoutTheServer() throws Exception {
        HostDirectoryBackend backend = HostDirectoryBackend.passthroughAll(bigDirectory);
        try (TestMount mount = TestMount.mount(backend, Map.of())) {
            long before = rchar();
            long start = System.nanoTime();
            Hash hash = sha256sum(mount, mount.path("big"));
            long millis = (System.nanoTime() - start) / 1_000_000;
            long serverRead = rchar() - before - hash.readerRchar();
            assertEquals(bigHash, hash.sha256());
            assertTrue(hash.readerRchar() >= BIG, "the reader read the whole file");
            assertEquals(0, mount.core().statistics().count("READ"), "no READ request reached the server");
            assertEquals(0, backend.reads("big"));
            assertTrue(serverRead < BIG / 16, "the server read " + serverRead + " bytes");
            assertEquals(1, mount.core().passthrough().passthroughOpens());
            System.out.printf("passthrough: 256 MiB hashed by sha256sum in %d ms, server rchar grew by %d bytes%n",
                    millis, serverRead);
        }
    }

    @Test
    void aJavaServedFileIsReadThroughReadRequests() throws Exception {
        HostDirectoryBackend backend = HostDirectoryBackend.servedAll(bigDirectory);
        try (TestMount mount = TestMount.mount(backend, Map.of())) {
            long before = rchar();
            long start = System.nanoTime();
            Hash hash = sha256sum(mount, mount.path("big"));
            long millis = (System.nanoTime() - start) / 1_000_000;
            long serverRead = rchar() - before - hash.readerRchar();
            assertEquals(bigHash, hash.sha256());
            long reads = mount.core().statistics().count("READ");
            assertTrue(reads > 0);
            assertTrue(serverRead >= BIG, "the server read " + serverRead + " bytes");
            assertEquals(0, mount.core().passthrough().passthroughOpens());
            assertEquals(1, mount.core().passthrough().javaServedOpens());
            System.out.printf("Java-served: 256 MiB hashed in %d ms through %d READ requests, server rchar grew by %d "
                    + "bytes%n", millis, reads, serverRead);
        }
    }

    @Test
    void theBackendDecidesPerFile() throws Exception {
        file("a.pt", "passed through\n".repeat(10_000));
        file("b.txt", "served in Java\n".repeat(10_000));
        HostDirectoryBackend backend = new HostDirectoryBackend(backing, path -> path.endsWith(".pt"));
        try (TestMount mount = TestMount.mount(backend, Map.of())) {
            assertEquals(Files.readString(backing.resolve("a.pt")),
                    mount.run(Duration.ofSeconds(10), "cat", mount.path("a.pt").toString()));
            assertEquals(Files.readString(backing.resolve("b.txt")),
                    mount.run(Duration.ofSeconds(10), "cat", mount.path("b.txt").toString()));
            assertEquals(0, backend.reads("a.pt"));
            assertTrue(backend.reads("b.txt") > 0);
            PassthroughStatistics stats = mount.core().passthrough();
            assertEquals(1, stats.passthroughOpens());
            assertEquals(1, stats.javaServedOpens());
            assertEquals(0, stats.totalFallbacks());
        }
    }

    @Test
    void concurrentOpensShareOneIdThatIsClosedAfterTheLastRelease() throws Exception {
        file("shared", "shared content");
        try (TestMount mount = TestMount.mount(HostDirectoryBackend.passthroughAll(backing), Map.of())) {
            Path path = mount.path("shared");
            FileChannel first = mount.io(() -> FileChannel.open(path));
            FileChannel second = mount.io(() -> FileChannel.open(path));
            List<BackingIdInfo> ids = mount.core().backingIds();
            assertEquals(1, ids.size(), () -> "" + ids);
            BackingIdInfo info = ids.getFirst();
            assertEquals(2, info.refcount());
            assertEquals("/shared", info.path());
            assertEquals(Files.getAttribute(backing.resolve("shared"), "unix:ino"), info.inode());
            assertEquals("shared content", mount.io(() -> {
                ByteBuffer buffer = ByteBuffer.allocate(64);
                second.read(buffer, 0);
                return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
            }));
            mount.io(() -> {
                first.close();
                second.close();
                return null;
            });
            Wait.until(Duration.ofSeconds(10), "the last release", () -> mount.core().passthrough().liveIds() == 0);
            PassthroughStatistics stats = mount.core().passthrough();
            assertEquals(1, stats.idsOpened());
            assertEquals(1, stats.idsClosed());
            BackingException.UnknownId closedTwice = assertThrows(BackingException.UnknownId.class,
                    () -> mount.session().backingFiles().close(info.backingId()));
            assertTrue(closedTwice.getMessage().contains("no such backing id"));
        }
    }

    @Test
    void aThousandOpenCloseCyclesOverAHundredFilesLeaveNoLiveIds() throws Exception {
        for (int i = 0; i < 100; i++) {
            file("many/f" + i, "file " + i);
        }
        try (TestMount mount = TestMount.mount(HostDirectoryBackend.passthroughAll(backing), Map.of())) {
            mount.io(() -> {
                SplittableRandom random = new SplittableRandom(7);
                List<FileChannel> open = new ArrayList<>();
                for (int cycle = 0; cycle < 1000; cycle++) {
                    int i = random.nextInt(100);
                    FileChannel channel = FileChannel.open(mount.path("many/f" + i));
                    ByteBuffer buffer = ByteBuffer.allocate(16);
                    channel.read(buffer, 0);
                    assertEquals("file " + i, new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8));
                    open.add(channel);
                    if (open.size() > 3 || random.nextBoolean()) {
                        open.remove(random.nextInt(open.size())).close();
                    }
                }
                for (FileChannel channel : open) {
                    channel.close();
                }
                return null;
            });
            Wait.until(Duration.ofSeconds(10), "every release", () -> mount.core().openFiles() == 0);
            PassthroughStatistics stats = mount.core().passthrough();
            assertEquals(0, stats.liveIds());
            assertEquals(stats.idsOpened(), stats.idsClosed());
            assertEquals(1000, stats.passthroughOpens());
            assertTrue(mount.core().backingIds().isEmpty());
        }
    }

    @Test
    void unmountingWithFilesOpenLeavesNoLiveIdsAfterTheLastRelease() throws Exception {
        file("x", "x data");
        file("y", "y data");
        try (TestMount mount = TestMount.mount(HostDirectoryBackend.passthroughAll(backing), Map.of())) {
            List<FileChannel> open = mount.io(() -> List.of(FileChannel.open(mount.path("x")),
                    FileChannel.open(mount.path("y")), FileChannel.open(mount.path("x"))));
            assertEquals(2, mount.core().passthrough().liveIds());
            KernelMounts.lazyUnmount(mount.path());
            assertFalse(KernelMounts.isMounted(mount.path()));
            assertEquals("y data", mount.io(() -> {
                ByteBuffer buffer = ByteBuffer.allocate(16);
                open.get(1).read(buffer, 0);
                return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
            }), "open files keep working after the lazy unmount");
            mount.io(() -> {
                for (FileChannel channel : open) {
                    channel.close();
                }
                return null;
            });
            assertTrue(mount.session().awaitTermination(Duration.ofSeconds(10)), "the session ends with the last file");
            PassthroughStatistics stats = mount.core().passthrough();
            assertEquals(0, stats.liveIds());
            assertEquals(2, stats.idsClosed());
            assertEquals(MountState.UNMOUNTED, mount.core().state());
        }
    }

    @Test
    void aPassthroughWishOnAFileOpenInJavaIsServedWithoutError() throws Exception {
        file("cached", "0123456789");
        HostDirectoryBackend backend = HostDirectoryBackend.servedAll(backing);
        try (TestMount mount = TestMount.mount(backend, Map.of())) {
            Path path = mount.path("cached");
            FileChannel javaServed = mount.io(() -> FileChannel.open(path, StandardOpenOption.READ,
                    StandardOpenOption.WRITE));
            backend.passthrough(p -> true);
            FileChannel wish = mount.io(() -> FileChannel.open(path, StandardOpenOption.READ));
            mount.io(() -> javaServed.write(ByteBuffer.wrap("ab".getBytes(StandardCharsets.US_ASCII)), 0));
            assertEquals("ab23456789", mount.io(() -> read(wish)));
            assertEquals("ab23456789", mount.io(() -> read(javaServed)));
            PassthroughStatistics stats = mount.core().passthrough();
            assertEquals(1, stats.modeConflicts());
            assertEquals(0, stats.passthroughOpens());
            assertEquals(0, stats.liveIds());
            mount.io(() -> {
                javaServed.close();
                wish.close();
                return null;
            });
        }
    }

    @Test
    void aJavaServedOpenOfAPassedThroughFileWorksAndStaysCoherent() throws Exception {
        file("pt", "0123456789");
        HostDirectoryBackend backend = HostDirectoryBackend.passthroughAll(backing);
        try (TestMount mount = TestMount.mount(backend, Map.of())) {
            Path path = mount.path("pt");
            FileChannel passedThrough = mount.io(() -> FileChannel.open(path, StandardOpenOption.READ));
            backend.passthrough(p -> false);
            FileChannel javaServed = mount.io(() -> FileChannel.open(path, StandardOpenOption.READ,
                    StandardOpenOption.WRITE));
            mount.io(() -> javaServed.write(ByteBuffer.wrap("xy".getBytes(StandardCharsets.US_ASCII)), 8));
            assertEquals("01234567xy", mount.io(() -> read(passedThrough)));
            assertEquals("01234567xy", mount.io(() -> read(javaServed)));
            assertTrue(backend.reads("pt") > 0, "the served open's reads reach Java");
            PassthroughStatistics stats = mount.core().passthrough();
            assertEquals(1, stats.servedInPassthroughMode());
            assertEquals(1, stats.liveIds());
            assertEquals(2, mount.core().backingIds().getFirst().refcount());
            mount.io(() -> {
                passedThrough.close();
                javaServed.close();
                return null;
            });
            Wait.until(Duration.ofSeconds(10), "the last release", () -> mount.core().passthrough().liveIds() == 0);
        }
    }

    private static String read(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(64);
        channel.read(buffer, 0);
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
    }

    @Test
    void anUnprivilegedWriterOfItsSetuidFileThroughPassthroughClearsTheBit() throws Exception {
        Files.setPosixFilePermissions(backing, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path tool = file("tool", "#!/bin/sh\n");
        Files.setAttribute(tool, "unix:uid", 65534);
        Files.setAttribute(tool, "unix:gid", 65534);
        Files.setAttribute(tool, "unix:mode", 04755);
        HostDirectoryBackend backend = HostDirectoryBackend.passthroughAll(backing);
        try (TestMount mount = TestMount.mount(backend, Map.of("allow_other", true))) {
            mount.run(Duration.ofSeconds(10), "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "sh", "-c", "printf 'echo hi\\n' >> " + mount.path("tool"));
            assertEquals(0755, (int) Files.getAttribute(tool, "unix:mode") & 07777,
                    "set-user-ID cleared for an unprivileged passthrough writer");
            assertEquals("#!/bin/sh\necho hi\n", Files.readString(tool));
            assertEquals(1, mount.core().passthrough().passthroughOpens());
            assertEquals(0, backend.reads("tool"));
            assertEquals(0, mount.core().statistics().count("WRITE"), "the write itself passed through");
        }
    }

    @Test
    void aPassthroughWriteIsVisibleInTheNextStat() throws Exception {
        file("grow", "start");
        HostDirectoryBackend backend = HostDirectoryBackend.passthroughAll(backing);
        try (TestMount mount = TestMount.mount(backend, Map.of("attr_timeout", 60))) {
            Path path = mount.path("grow");
            assertEquals(5L, (long) mount.io(() -> Files.size(path)));
            mount.io(() -> {
                try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
                    channel.write(ByteBuffer.wrap(new byte[100_000]), 5);
                    assertEquals(100_005L, Files.size(path), "fstat through the open file");
                }
                return null;
            });
            assertEquals(100_005L, (long) mount.io(() -> Files.size(path)),
                    "the kernel dropped its cached size despite attr_timeout=60 and asked the backend");
            assertEquals(0, mount.core().statistics().count("WRITE"));
        }
    }

    @Test
    void passthroughReadsReturnTheSameBytesAsTheBackingFile() throws Exception {
        byte[] data = new byte[3 << 20];
        new SplittableRandom(3).nextBytes(data);
        Files.write(backing.resolve("random"), data);
        try (TestMount mount = TestMount.mount(HostDirectoryBackend.passthroughAll(backing), Map.of())) {
            assertArrayEquals(data, mount.io(() -> Files.readAllBytes(mount.path("random"))));
        }
    }
}
