package fuse.channel;

import static fuse.posix.Linux.O_DIRECTORY;
import static fuse.posix.Linux.O_RDONLY;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import fuse.api.Errno;
import fuse.channel.kernel.FuseOpcode;

/** FUSE_DEV_IOC_BACKING_OPEN/CLOSE and an open reply that hands a file to the kernel. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BackingFilesTest {
    @RegisterExtension
    final MountFixture fixture = new MountFixture();

    private Path hostFile(byte[] content) throws Exception {
        Path file = fixture.mountpoint().resolve("backing.bin");
        Files.write(file, content);
        return file;
    }

    @Test
    void openGivesAPositiveIdAndASecondCloseIsAnUnknownId() throws Exception {
        FuseSession session = fixture.mount(new MemoryFs());
        Path file = hostFile(new byte[100]);
        int fd = TestNative.open(file.toString(), O_RDONLY);
        int id;
        try {
            id = session.backingFiles().open(fd);
        } finally {
            TestNative.close(fd); // the kernel keeps its own reference
        }
        assertTrue(id > 0, "backing id " + id);
        session.backingFiles().close(id);
        BackingException again = assertThrows(BackingException.UnknownId.class,
                () -> session.backingFiles().close(id));
        assertEquals(Errno.ENOENT, again.errno());
        assertEquals(BackingException.Reason.UNKNOWN_ID, again.reason());
        assertThrows(BackingException.UnknownId.class, () -> session.backingFiles().close(0));
    }

    @Test
    void directoriesPipesAndClosedDescriptorsAreRefusedSpecifically() throws Exception {
        FuseSession session = fixture.mount(new MemoryFs());
        int dir = TestNative.open(fixture.mountpoint().toString(), O_RDONLY | O_DIRECTORY);
        try {
            BackingException e = assertThrows(BackingException.UnsupportedFile.class,
                    () -> session.backingFiles().open(dir));
            assertEquals(Errno.EISDIR, e.errno());
        } finally {
            TestNative.close(dir);
        }
        int[] pipe = TestNative.pipe();
        try {
            BackingException e = assertThrows(BackingException.UnsupportedFile.class,
                    () -> session.backingFiles().open(pipe[0]));
            assertEquals(Errno.EINVAL, e.errno());
        } finally {
            TestNative.close(pipe[0]);
            TestNative.close(pipe[1]);
        }
        assertThrows(BackingException.BadDescriptor.class, () -> session.backingFiles().open(999_999));
    }

    @Test
    void withoutPassthroughTheKernelRefusesAsNotNegotiated() throws Exception {
        FuseSession session = fixture.mount(new MemoryFs(), o -> o.withPassthrough(false, 1));
        assertTrue(!session.init().orElseThrow().passthrough());
        Path file = hostFile(new byte[10]);
        int fd = TestNative.open(file.toString(), O_RDONLY);
        try {
            assertThrows(BackingException.NotNegotiated.class, () -> session.backingFiles().open(fd));
        } finally {
            TestNative.close(fd);
        }
    }

    @Test
    void aPassthroughOpenServesReadsWithoutReadRequests() throws Exception {
        byte[] content = new byte[2 * 1024 * 1024 + 17];
        new Random(7).nextBytes(content);
        MemoryFs fs = new MemoryFs();
        fs.addBackedFile(fs.root, "through", hostFile(content));
        FuseSession session = fixture.mount(fs);
        Path file = session.mountpoint().resolve("through");

        assertArrayEquals(content, Io.within("read through the mount", () -> Files.readAllBytes(file)));
        assertArrayEquals(content, Io.within("read again", () -> Files.readAllBytes(file)));
        assertTrue(fs.count(FuseOpcode.OPEN.code()) >= 1, "the open reached the server");
        assertEquals(0, fs.count(FuseOpcode.READ.code()), "the kernel read the backing file itself");
        assertEquals(List.of(), fs.failures());
    }
}
