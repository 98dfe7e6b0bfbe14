package fuse.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import fuse.channel.kernel.FuseOpcode;

/** inval_entry, inval_inode and delete make the kernel ask again; unknown nodes answer false. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NotifierTest {
    private static final long MINUTE = 60_000_000_000L;

    @RegisterExtension
    final MountFixture fixture = new MountFixture();

    @Test
    void notificationsDropWhatTheKernelCached() throws Exception {
        MemoryFs fs = new MemoryFs();
        fs.entryTimeoutNanos = MINUTE;
        fs.attrTimeoutNanos = MINUTE;
        MemoryFs.Node node = fs.addFile(fs.root, "f", "abc".getBytes(StandardCharsets.UTF_8));
        FuseSession session = fixture.mount(fs);
        Path file = session.mountpoint().resolve("f");
        Notifier notifier = session.notifier();

        stat(file);
        stat(file);
        assertEquals(1, lookups(fs), "cached for a minute");
        assertEquals(0, fs.count(FuseOpcode.GETATTR.code()));

        assertTrue(notifier.invalidateInode(node.id, -1, 0));
        stat(file);
        assertEquals(1, fs.count(FuseOpcode.GETATTR.code()), "attributes asked again");
        assertEquals(1, lookups(fs));

        assertTrue(notifier.invalidateEntry(1, "f"));
        stat(file);
        assertEquals(2, lookups(fs), "name looked up again");

        assertTrue(notifier.delete(1, node.id, "f"));
        stat(file);
        assertEquals(3, lookups(fs), "deleted name looked up again");

        assertFalse(notifier.invalidateInode(987_654_321L, -1, 0), "unknown node: ENOENT");
        assertFalse(notifier.invalidateEntry(987_654_321L, "f"), "unknown parent: ENOENT");
        assertFalse(notifier.delete(987_654_321L, 5, "f"), "unknown parent: ENOENT");

        session.close();
        assertFalse(notifier.invalidateEntry(1, "f"), "after close: false, no write to a closed descriptor");
    }

    private static long lookups(MemoryFs fs) {
        return fs.count(FuseOpcode.LOOKUP.code());
    }

    private static void stat(Path file) throws Exception {
        assertEquals(3L, (long) Io.within("stat " + file, () -> Files.size(file)));
    }
}
