package fuse.backend.overlay.internal;

import static fuse.backend.overlay.internal.Fixture.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.SortedMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import fuse.mount.testing.TestMount;
import fuse.passthrough.PassthroughStatistics;
import fuse.posix.Posix;
import fuse.testkit.Wait;

/**
 * The overlay backend through a real FUSE mount (the mount core, kernel passthrough): passthrough engaged on lower
 * read-only opens and on upper files, the read-only-before-copy-up rule with one backing file per inode, and the
 * on-disk compatibility with the kernel's overlayfs when every change goes through FUSE.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OverlayMountTest {
    private static final int BIG = 32 << 20;

    @RegisterExtension
    final Fixture fx = Fixture.withSampleLowers();

    private static String sha256(Path file) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (FileChannel in = FileChannel.open(file)) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
            while (in.read(buffer) > 0) {
                buffer.flip();
                sha.update(buffer);
                buffer.clear();
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static String hashIn(TestMount mount, Path file) throws Exception {
        return mount.run(Duration.ofSeconds(60), "sha256sum", file.toString()).split(" ")[0];
    }

    @Test
    void passthroughEngagesOnLowerReadOnlyOpensAndOnUpperFiles() throws Exception {
        byte[] data = new byte[BIG];
        new java.util.Random(1).nextBytes(data);
        Files.write(fx.lower2.resolve("big"), data);
        String lowerHash = sha256(fx.lower2.resolve("big"));
        try (TestMount mount = fx.mount()) {
            // A read-only open of a lower file: the kernel reads the lower file itself.
            long start = System.nanoTime();
            assertEquals(lowerHash, hashIn(mount, mount.path("big")));
            long hashMillis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(0, mount.core().statistics().count("READ"), "no READ request reached the server");
            PassthroughStatistics stats = mount.core().passthrough();
            assertEquals(1, stats.passthroughOpens());
            assertEquals(0, stats.javaServedOpens());
            assertTrue(!Files.exists(fx.upper.resolve("big")), "a read copies nothing up");

            // A write open: copy-up, then the kernel writes the upper file itself.
            start = System.nanoTime();
            mount.io(() -> {
                try (FileChannel out = FileChannel.open(mount.path("big"), StandardOpenOption.WRITE)) {
                    out.write(ByteBuffer.wrap("CHANGED".getBytes(StandardCharsets.UTF_8)), 1000);
                }
                return null;
            });
            long copyUpMillis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(0, mount.core().statistics().count("WRITE"), "no WRITE request reached the server");
            System.out.printf("overlay: %d MiB lower file hashed through the mount in %d ms (passthrough, 0 READ); "
                    + "opened for writing (copy-up) and written in %d ms%n", BIG >> 20, hashMillis, copyUpMillis);
            assertEquals(2, mount.core().passthrough().passthroughOpens());
            assertEquals(lowerHash, sha256(fx.lower2.resolve("big")), "the lower file never changes");
            System.arraycopy("CHANGED".getBytes(StandardCharsets.UTF_8), 0, data, 1000, 7);
            String upperHash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
            assertEquals(upperHash, sha256(fx.upper.resolve("big")));

            // Reading the copied-up file: passthrough of the upper file, still no READ.
            assertEquals(upperHash, hashIn(mount, mount.path("big")));
            assertEquals(0, mount.core().statistics().count("READ"));
            assertEquals(3, mount.core().passthrough().passthroughOpens());
            assertEquals(0, mount.core().passthrough().totalFallbacks());
            // The kernel sends RELEASE after close(2) returns (in the background): bounded wait for it.
            Wait.until(Duration.ofSeconds(10), "every backing id closed after the last release",
                    () -> mount.core().backingIds().isEmpty());
        }
    }

    /** Layers must not change while mounted (the overlayfs rule): the kernel caches names and attributes long. */
    @Test
    void cachesLongByDefaultAndShortWhenTold() throws Exception {
        try (TestMount mount = fx.mount()) {
            String coherence = mount.core().coherence();
            assertTrue(coherence.startsWith("watch (layers do not change while mounted") && coherence.contains(
                    "cached 3600 s"), coherence);
        }
        try (TestMount mount = fx.mount("coherence", "timeout")) {
            assertTrue(mount.core().coherence().startsWith("timeout 1 s (coherence=timeout)"),
                    mount.core().coherence());
        }
    }

    @Test
    void aReadOnlyOpenBeforeCopyUpKeepsReadingTheLowerFile() throws Exception {
        try (TestMount mount = fx.mount()) {
            Path file = mount.path("etc/passwd");
            String lower = Files.readString(fx.lower2.resolve("etc/passwd"));
            FileChannel early = mount.io(() -> FileChannel.open(file));
            try {
                assertEquals(lower, mount.io(() -> read(early)));
                // Writing is refused while the lower file is the inode's backing file (a writable mapping would
                // change it); nothing is copied up.
                String refused = mount.io(() -> {
                    try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
                        return "opened";
                    } catch (java.io.IOException e) {
                        return e.getMessage();
                    }
                });
                assertTrue(refused.contains("Text file busy"), refused);
                assertTrue(!Files.exists(fx.upper.resolve("etc/passwd")));
                // A truncate copies up meanwhile: a new open reads the copy (served in Java, READ requests), the
                // early open still reads the lower file through the kernel.
                mount.io(() -> {
                    Posix.truncate(file.toString(), 4);
                    return null;
                });
                assertEquals(lower.substring(0, 4), mount.io(() -> Files.readString(file)));
                Wait.until(Duration.ofSeconds(10), "reads served in Java",
                        () -> mount.core().statistics().count("READ") > 0);
                assertEquals(lower, mount.io(() -> read(early)));
                PassthroughStatistics stats = mount.core().passthrough();
                assertEquals(1, stats.passthroughOpens());
                assertEquals(1, stats.servedInPassthroughMode());
                assertEquals(lower, Files.readString(fx.lower2.resolve("etc/passwd")));
            } finally {
                mount.io(() -> {
                    early.close();
                    return null;
                });
            }
            // Once the lower open is closed, the copy passes through for writing, and maps like any file.
            long reads = settledReads(mount);
            mount.io(() -> {
                try (FileChannel rw = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    java.nio.MappedByteBuffer map = rw.map(FileChannel.MapMode.READ_WRITE, 0, 4);
                    map.put(0, (byte) 'X');
                    map.force();
                }
                return null;
            });
            assertEquals("X" + lower.substring(1, 4), mount.io(() -> Files.readString(file)));
            assertEquals(reads, mount.core().statistics().count("READ"), "passthrough again: no READ request");
            assertEquals(lower, Files.readString(fx.lower2.resolve("etc/passwd")), "the lower layer is intact");
        }
    }

    private boolean noLeftovers() {
        try {
            return Fixture.workLeftovers(fx.work).isEmpty();
        } catch (fuse.posix.PosixException e) {
            return false; // an overlay's directory went away while it was listed
        }
    }

    /** READ requests so far, once the count stopped moving (a request is counted just after its reply). */
    private static long settledReads(TestMount mount) {
        return Wait.settled(Duration.ofSeconds(10), Duration.ofMillis(50), "READ requests",
                () -> mount.core().statistics().count("READ"));
    }

    /** With the writeback cache too: the write-only open copies up and still reads the page it writes in part. */
    @ParameterizedTest(name = "writeback_cache={0}")
    @ValueSource(booleans = {false, true})
    void withoutPassthroughLowerAndUpperFilesKeepTheirPageCacheAcrossOpens(boolean writebackCache) throws Exception {
        String content = "lower layer bytes\n".repeat(64 * 1024);
        Files.writeString(fx.lower2.resolve("cached"), content);
        try (TestMount mount = fx.mount("passthrough", false, "writeback_cache", writebackCache)) {
            Path file = mount.path("cached");
            assertEquals(content, mount.io(() -> Files.readString(file)));
            long reads = settledReads(mount);
            assertTrue(reads > 0, "the first read of the lower file reaches the server");
            assertEquals(content, mount.io(() -> Files.readString(file)));
            assertEquals(reads, settledReads(mount),
                    "a re-read of the lower file comes from the page cache");

            // Copy-up and a write through the page cache: later opens read the upper file's content.
            mount.io(() -> {
                try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    out.write(ByteBuffer.wrap("UPPER".getBytes(StandardCharsets.UTF_8)), 0);
                }
                return null;
            });
            String changed = "UPPER" + content.substring(5);
            assertEquals(changed, Files.readString(fx.upper.resolve("cached")));
            assertEquals(changed, mount.io(() -> Files.readString(file)));
            long afterWrite = settledReads(mount);
            assertEquals(changed, mount.io(() -> Files.readString(file)));
            assertEquals(afterWrite, settledReads(mount),
                    "a re-read of the upper file comes from the page cache");
            assertEquals(content, Files.readString(fx.lower2.resolve("cached")), "the lower layer is intact");
            assertEquals(0, mount.core().passthrough().passthroughOpens());
        }
    }

    private static String read(FileChannel channel) throws Exception {
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        channel.read(buffer, 0);
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
    }

    @Test
    void aSwapToAFreshOverlayKeepsOpenFilesAndTheWorkDirectories() throws Exception {
        try (TestMount mount = fx.mount()) {
            Path hosts = mount.path("etc/hosts");
            FileChannel writer = mount.io(() -> FileChannel.open(hosts, StandardOpenOption.WRITE));
            try {
                mount.swapTo("overlay-next", new OverlayBackend());
                // The open file stays with the overlay that opened it; new requests go to the fresh one.
                mount.io(() -> writer.write(ByteBuffer.wrap("SWAPPED".getBytes(StandardCharsets.UTF_8)), 0));
                mount.io(() -> Files.writeString(mount.path("etc/after-swap"), "new"));
                assertTrue(mount.io(() -> Files.readString(hosts)).startsWith("SWAPPED"));
                assertEquals("new", Files.readString(fx.upper.resolve("etc/after-swap")));
            } finally {
                mount.io(() -> {
                    writer.close();
                    return null;
                });
            }
            assertTrue(Files.readString(fx.upper.resolve("etc/hosts")).startsWith("SWAPPED"));
            // The previous overlay closes once its last file is released, removing its own directory meanwhile.
            Wait.until(Duration.ofSeconds(10), "no leftovers in the work directory", () -> noLeftovers());
        }
        assertTrue(noLeftovers());
    }

    @Test
    void changesThroughFuseMountWithTheKernelAndTheOtherWayRound() throws Exception {
        SortedMap<String, Tree.Info> fuseView;
        try (TestMount mount = fx.mount()) {
            mount.io(() -> {
                KernelCompatibilityTest.scenario(new HostOps(mount.path().toString()));
                return null;
            });
            fuseView = mount.io(() -> Tree.ofMount(mount.path().toString()));
        }
        try (KernelOverlay kernel = fx.mountKernel()) {
            assertEquals("", Tree.diff(Tree.ofMount(kernel.target.toString()), fuseView));
            // The kernel changes more; the FUSE mount shows the result.
            HostOps host = new HostOps(kernel.target.toString());
            assertNull(host.unlink("var/cache/again"));
            assertNull(host.rmdir("var/cache"));
            assertNull(host.write("data/hardlink", 0, "via kernel".getBytes(), false, true, 0));
            fuseView = Tree.ofMount(kernel.target.toString());
        }
        try (TestMount mount = fx.mount()) {
            assertEquals("", Tree.diff(fuseView, mount.io(() -> Tree.ofMount(mount.path().toString()))));
        }
    }
}
