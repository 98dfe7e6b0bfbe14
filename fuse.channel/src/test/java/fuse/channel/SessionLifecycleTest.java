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
import fuse.testkit.Wait;

@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SessionLifecycleTest {
    /** What {@code /proc/self/mountinfo} links to in {@code /proc/self/fd}. */
    private static final String MOUNTINFO = "/proc/" + ProcessHandle.current().pid() + "/mountinfo";

    @RegisterExtension
    final MountFixture fixture = new MountFixture();

    @Test
    void mountNegotiatesInitAndCloseUnmountsAndStopsEveryThread() throws Exception {
        long devFuseBefore = MountFixture.openDescriptors("/dev/fuse");
        long mountTableBefore = MountFixture.openDescriptors(MOUNTINFO);
        MemoryFs fs = new MemoryFs();
        fs.addFile(fs.root, "hello", "hi there".getBytes(StandardCharsets.UTF_8));
        FuseSession session = fixture.mount(fs, o -> o.withThreads(3));
        Path mnt = session.mountpoint();

        InitResult init = session.init().orElseThrow();
        assertEquals("7.45", init.protocol());
        assertEquals(session.transport(), init.transport(), "INIT agreed the transport the session uses");
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
        Wait.until(Duration.ofSeconds(2), "fusectl: the RELEASE after close answered too",
                () -> LeftoverMounts.waiting(session.connectionId()) == 0);
        assertTrue(session.isAlive());
        assertEquals(mountTableBefore + 1, MountFixture.openDescriptors(MOUNTINFO),
                "the session keeps the mount table open for its unmount");

        session.close();
        assertFalse(session.isAlive());
        assertTrue(session.awaitTermination(Duration.ofSeconds(5)));
        assertFalse(LeftoverMounts.isFuseMounted(mnt), "unmounted by close()");
        assertEquals(1, fs.destroyedCalls());
        assertEquals(List.of(), MountFixture.threadsOf(session));
        assertEquals(devFuseBefore, MountFixture.openDescriptors("/dev/fuse"), "the original and the cloned descriptors closed");
        assertEquals(mountTableBefore, MountFixture.openDescriptors(MOUNTINFO), "the mount table closed with it");
        session.close(); // idempotent
        assertEquals(1, fs.destroyedCalls());
    }

    @Test
    void mountOptionsReachTheKernel() throws Exception {
        MemoryFs fs = new MemoryFs();
        fs.addFile(fs.root, "f", new byte[1]);
        FuseSession session = fixture.mount(fs, o -> new MountOptions(o.mountpoint(), "memfs-source",
                o.subtype(), 1, true, false, false, 1, 128 * 1024, true));
        String line = mountsLine(session.mountpoint());
        assertTrue(line.startsWith("memfs-source " + session.mountpoint() + " fuse." + MountFixture.SUBTYPE + " ro,"),
                line);
        assertTrue(line.contains("nosuid") && line.contains("nodev"), line);
        assertTrue(line.contains("default_permissions") && line.contains("allow_other"), line);
        InitResult init = session.init().orElseThrow();
        assertEquals(128 * 1024, init.maxWrite());
        assertEquals(32, init.maxPages());
        assertFalse(init.passthrough(), "not asked for");
        assertEquals(0, init.maxStackDepth());
        Path file = session.mountpoint().resolve("f");
        IOException readOnly = assertThrows(IOException.class,
                () -> Io.run("write", () -> Files.writeString(file, "no")));
        assertTrue(readOnly.getMessage().contains("Read-only"), readOnly.toString());
    }

    @Test
    void externalUnmountEndsTheSession() throws Exception {
        MemoryFs fs = new MemoryFs();
        FuseSession session = fixture.mount(fs);
        Shell.run(Duration.ofSeconds(10), "umount", session.mountpoint().toString()).orFail();
        assertTrue(session.awaitTermination(Duration.ofSeconds(5)), "ENODEV ends the session");
        assertFalse(session.isAlive());
        assertEquals(1, fs.destroyedCalls());
        assertEquals(List.of(), MountFixture.threadsOf(session));
    }

    @Test
    void mountingOnAMissingDirectoryOrAFileFailsClearly() throws Exception {
        Path dir = fixture.mountpoint();
        IOException missing = assertThrows(IOException.class, () -> FuseChannel.mount(
                MountOptions.defaults(dir.resolve("missing"), MountFixture.SUBTYPE), new MemoryFs()));
        assertTrue(missing.getMessage().contains("ENOENT"), missing.getMessage());
        IOException noParent = assertThrows(IOException.class, () -> FuseChannel.mount(
                MountOptions.defaults(dir.resolve("missing/deeper"), MountFixture.SUBTYPE), new MemoryFs()));
        assertTrue(noParent.getMessage().contains("parent does not exist"), noParent.getMessage());
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

    static String mountsLine(Path mnt) throws IOException {
        return Files.readAllLines(Path.of("/proc/mounts")).stream().filter(l -> l.contains(" " + mnt + " "))
                .findFirst().orElse("");
    }
}
