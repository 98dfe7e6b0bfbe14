package fuse.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import fuse.channel.internal.LeftoverMounts;

@Timeout(60)
class SessionLifecycleTest {
    @RegisterExtension
    final MountFixture fixture = new MountFixture();

    @Test
    void mountNegotiatesInitAndCloseUnmountsAndStopsEveryThread() throws Exception {
        MemoryFs fs = new MemoryFs();
        fs.addFile(fs.root, "hello", "hi there".getBytes(StandardCharsets.UTF_8));
        FuseSession session = fixture.mount(fs, o -> o.withThreads(3));
        Path mnt = session.mountpoint();

        InitResult init = session.init().orElseThrow();
        assertEquals("7.45", init.protocol());
        assertTrue(init.passthrough(), "passthrough is available on this kernel");
        assertEquals(1, init.maxStackDepth());
        assertFalse(init.has(InitResult.WRITEBACK_CACHE));
        assertFalse(init.has(InitResult.POSIX_LOCKS));
        assertFalse(init.has(InitResult.FLOCK_LOCKS));
        assertFalse(init.has(InitResult.SPLICE_READ));
        for (long flag : List.of(InitResult.ASYNC_READ, InitResult.ATOMIC_O_TRUNC, InitResult.EXPORT_SUPPORT,
                InitResult.BIG_WRITES, InitResult.DO_READDIRPLUS, InitResult.READDIRPLUS_AUTO,
                InitResult.PARALLEL_DIROPS, InitResult.HANDLE_KILLPRIV_V2, InitResult.SETXATTR_EXT,
                InitResult.MAX_PAGES, InitResult.CACHE_SYMLINKS, InitResult.ASYNC_DIO, InitResult.HAS_EXPIRE_ONLY,
                InitResult.DIRECT_IO_ALLOW_MMAP, InitResult.INIT_EXT, InitResult.PASSTHROUGH)) {
            assertTrue(init.has(flag), () -> "flag 0x" + Long.toHexString(flag) + " in force");
        }
        assertEquals(MountOptions.DEFAULT_MAX_WRITE, init.maxWrite());
        assertEquals(256, init.maxPages());
        assertTrue(Files.isDirectory(Path.of("/sys/fs/fuse/connections", Long.toString(session.connectionId()))),
                "fusectl directory of the connection");
        assertTrue(mountsLine(mnt).contains("fuse." + MountFixture.SUBTYPE), "listed in /proc/mounts");
        assertEquals("hi there", Io.within("read hello", () -> Files.readString(mnt.resolve("hello"))));
        assertTrue(session.isAlive());

        session.close();
        assertFalse(session.isAlive());
        assertTrue(session.awaitTermination(Duration.ofSeconds(5)));
        assertFalse(LeftoverMounts.isFuseMounted(mnt), "unmounted by close()");
        assertEquals(1, fs.destroyedCalls());
        assertEquals(List.of(), readerThreads(session));
        session.close(); // idempotent
        assertEquals(1, fs.destroyedCalls());
    }

    @Test
    void externalUnmountEndsTheSession() throws Exception {
        MemoryFs fs = new MemoryFs();
        FuseSession session = fixture.mount(fs);
        Shell.run(Duration.ofSeconds(10), "umount", session.mountpoint().toString()).orFail();
        assertTrue(session.awaitTermination(Duration.ofSeconds(5)), "ENODEV ends the session");
        assertFalse(session.isAlive());
        assertEquals(1, fs.destroyedCalls());
        assertEquals(List.of(), readerThreads(session));
    }

    @Test
    void mountingOnAMissingDirectoryOrAFileFailsClearly() throws Exception {
        Path dir = fixture.mountpoint();
        IOException missing = assertThrows(IOException.class, () -> FuseChannel.mount(
                MountOptions.defaults(dir.resolve("missing"), MountFixture.SUBTYPE), new MemoryFs()));
        assertTrue(missing.getMessage().contains("ENOENT"), missing.getMessage());
        Path file = Files.createFile(dir.resolve("file"));
        IOException notDir = assertThrows(IOException.class, () -> FuseChannel.mount(
                MountOptions.defaults(file, MountFixture.SUBTYPE), new MemoryFs()));
        assertTrue(notDir.getMessage().contains("not a directory"), notDir.getMessage());
    }

    @Test
    void cleanStaleMountLeavesAHealthyMountAlone() throws Exception {
        FuseSession session = fixture.mount(new MemoryFs());
        assertFalse(FuseChannel.cleanStaleMount(session.mountpoint()));
        assertTrue(LeftoverMounts.isFuseMounted(session.mountpoint()));
        assertFalse(FuseChannel.cleanStaleMount(fixture.mountpoint()), "nothing mounted");
    }

    static List<String> readerThreads(FuseSession session) {
        String prefix = "fuse-" + MountFixture.SUBTYPE + "-" + session.connectionId() + "-";
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(prefix) && t.isAlive()).map(Thread::getName).toList();
    }

    static String mountsLine(Path mnt) throws IOException {
        return Files.readAllLines(Path.of("/proc/mounts")).stream().filter(l -> l.contains(" " + mnt + " "))
                .findFirst().orElse("");
    }
}
