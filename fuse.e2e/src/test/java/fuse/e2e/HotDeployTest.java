package fuse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backend bundle deployed, updated and removed through {@code load/} while mounts use it: the example
 * {@code audit} backend.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(180)
class HotDeployTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path base;

    private Container container;
    private Shell shell;
    private Path jar;
    private Path mountpoint;
    private Path data;

    @BeforeAll
    void start() throws Exception {
        container = Container.start(base);
        container.awaitLine(line -> line.contains("Welcome to Apache Felix Gogo"));
        shell = new Shell(container);
        shell.awaitServing(container.mountpoint, WAIT);
        jar = container.home.resolve("load/fuse.backend.audit.jar");
        mountpoint = Files.createDirectories(base.resolve("audited"));
        data = Files.createDirectories(base.resolve("audited-data"));
        Files.writeString(data.resolve("app.log"), "audited line");
        Files.writeString(data.resolve("data.bin"), "passed through");
    }

    @AfterAll
    void stop() throws Exception {
        if (container != null) {
            container.close();
        }
    }

    @Test
    @Order(1)
    void aBackendJarDroppedIntoLoadIsAvailable() throws Exception {
        AuditJar.deploy(jar, 1);
        String out = shell.awaitOutput("fuse:backends", "fuse.backend.audit", WAIT);
        assertTrue(out.matches("(?s).*\\naudit +fuse\\.backend\\.audit \\[\\d+\\] +0\\.1\\.1 .*"), out);

        out = shell.run("fuse:mount " + mountpoint + " audit root=" + data + " backend_wait=3");
        assertTrue(out.contains("mounted " + mountpoint) && out.contains("backend audit"), out);
        assertEquals("audited line", Io.read(mountpoint.resolve("app.log")));
        assertEquals("passed through", Io.read(mountpoint.resolve("data.bin")));
        out = shell.run("fuse:stats " + mountpoint);
        assertTrue(out.contains("opens: 1 passed through, 1 served in Java"), out);
        container.awaitLogLine(line -> line.contains("audit: " + mountpoint + " opened app.log by uid 0"));
        assertTrue(Io.call(() -> assertThrows(IOException.class,
                () -> Files.writeString(mountpoint.resolve("data.bin"), "x"))).getMessage()
                .contains("Read-only file system"));
    }

    @Test
    @Order(2)
    void aLiveMountSwapsToTheNewBackendAndBackWithFilesOpen() throws Exception {
        Files.writeString(container.source.resolve("swap.log"), "0123456789");
        try (FileChannel open = Io.call(() -> FileChannel.open(container.mountpoint.resolve("swap.log")))) {
            String out = shell.run("fuse:swap " + container.mountpoint + " audit");
            assertTrue(out.contains("swapped " + container.mountpoint + ": local -> audit"), out);
            assertTrue(shell.run("fuse:backends").matches("(?s).*\\naudit .*" + container.mountpoint + ".*"));
            assertEquals("0123456789", Io.read(container.mountpoint.resolve("swap.log")));
            assertEquals("0123456789", read(open), "a file opened on the old backend");
            out = shell.run("fuse:swap " + container.mountpoint + " local");
            assertTrue(out.contains("swapped " + container.mountpoint + ": audit -> local"), out);
            assertEquals("0123456789", read(open));
        }
        assertTrue(shell.mountLine(container.mountpoint).orElseThrow().contains(" local "));
    }

    @Test
    @Order(3)
    void updatingTheJarMovesItsMountsToTheNewVersionWithoutUnmounting() throws Exception {
        long connection = connection(mountpoint);
        try (FileChannel open = Io.call(() -> FileChannel.open(mountpoint.resolve("app.log")))) {
            AuditJar.deploy(jar, 2);
            shell.awaitOutput("fuse:backends", "0.1.2", WAIT);
            shell.awaitServing(mountpoint, WAIT);
            assertEquals(connection, connection(mountpoint), "the mount was replaced, not kept");
            assertEquals("audited line", Io.read(mountpoint.resolve("app.log")));
            assertEquals("audited line", read(open), "a Java-served file opened on the old version");
        }
        assertEquals("passed through", Io.read(mountpoint.resolve("data.bin")));
    }

    @Test
    @Order(4)
    void removingTheJarLeavesItsMountsWaitingUntilABackendReturns() throws Exception {
        long connection = connection(mountpoint);
        Files.delete(jar);
        shell.awaitOutput("fuse:mounts", "WAITING_FOR_BACKEND", WAIT);
        assertEquals(1, Io.mountsAt(mountpoint).size(), "the mount must stay up");
        // backend_wait=3: one deadline for the mount, counted from when the backend went; fuse:mounts shows it.
        String waiting = shell.mountLine(mountpoint).orElseThrow();
        assertTrue(waiting.matches(".* WAITING_FOR_BACKEND\\((\\d\\.\\d\\ds|EIO)\\) .*"), waiting);
        long start = System.nanoTime();
        IOException failed = Io.call(() -> assertThrows(IOException.class,
                () -> Files.readString(mountpoint.resolve("app.log"))));
        long waited = (System.nanoTime() - start) / 1_000_000;
        assertTrue(failed.getMessage().contains("Input/output error"), failed.getMessage());
        assertTrue(waited <= 3500, "a reader waited " + waited + " ms, past the mount's backend_wait of 3 s");
        shell.awaitOutput("fuse:mounts", "WAITING_FOR_BACKEND(EIO)", WAIT);
        start = System.nanoTime();
        Io.call(() -> assertThrows(IOException.class, () -> Files.readString(mountpoint.resolve("app.log"))));
        waited = (System.nanoTime() - start) / 1_000_000;
        assertTrue(waited < 1000, "past the deadline a reader fails at once, it waited " + waited + " ms");

        AuditJar.deploy(jar, 3);
        shell.awaitServing(mountpoint, WAIT);
        assertEquals(connection, connection(mountpoint));
        assertEquals("audited line", Io.read(mountpoint.resolve("app.log")));
    }

    private long connection(Path mount) throws Exception {
        String line = shell.awaitServing(mount, WAIT);
        return Long.parseLong(line.trim().split(" +")[3]);
    }

    private static String read(FileChannel channel) throws Exception {
        return Io.call(() -> {
            ByteBuffer buffer = ByteBuffer.allocate(64);
            int n = channel.read(buffer, 0);
            return new String(buffer.array(), 0, n, StandardCharsets.UTF_8);
        });
    }
}
