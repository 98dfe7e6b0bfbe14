package fuse.mount.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import fuse.channel.ChannelTransport;
import fuse.mount.MountException;

class MountConfigTest {
    private static MountConfig parse(Object... keyValues) throws MountException {
        Map<String, Object> props = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            props.put((String) keyValues[i], keyValues[i + 1]);
        }
        return MountConfig.parse("fuse.mount~test", props);
    }

    private static String problem(Object... keyValues) {
        return assertThrows(MountException.class, () -> parse(keyValues)).getMessage();
    }

    @Test
    void defaults() throws Exception {
        MountConfig c = parse("mountpoint", "/mnt/x");
        assertEquals(Path.of("/mnt/x"), c.mountpoint());
        assertEquals("local", c.backend());
        assertEquals(Runtime.getRuntime().availableProcessors(), c.threads());
        assertFalse(c.allowOther());
        assertFalse(c.defaultPermissions());
        assertEquals(1, c.maxStackDepth());
        assertTrue(c.passthrough());
        assertFalse(c.writebackCache());
        assertEquals(ChannelTransport.AUTO, c.transport());
        assertEquals(MountConfig.Coherence.AUTO, c.coherence());
        assertEquals(1_000_000_000L, c.entryTimeoutNanos(false), "not watched: short");
        assertEquals(1_000_000_000L, c.attrTimeoutNanos(false));
        assertEquals(3_600_000_000_000L, c.entryTimeoutNanos(true), "watched: long");
        assertEquals(3_600_000_000_000L, c.negativeTimeoutNanos(true));
        assertEquals(5_000_000_000L, c.backendWaitNanos());
    }

    @Test
    void typedAndStringValuesAreBothAccepted() throws Exception {
        MountConfig typed = parse("mountpoint", "/m", "threads", 3, "allow_other", true, "attr_timeout", 0.5,
                "max_stack_depth", 2L);
        MountConfig strings = parse("mountpoint", "/m", "threads", "3", "allow_other", "true", "attr_timeout",
                "0.5", "max_stack_depth", "2");
        assertEquals(3, typed.threads());
        assertEquals(typed.threads(), strings.threads());
        assertTrue(strings.allowOther());
        assertTrue(strings.defaultPermissions(), "allow_other forces default_permissions");
        assertEquals(500_000_000L, strings.attrTimeoutNanos(true), "a timeout set is kept, watched or not");
        assertEquals(2, strings.maxStackDepth());
    }

    @Test
    void problemsNameTheKey() {
        assertEquals("no mountpoint: the setting mountpoint, the directory to mount on, is not set", problem());
        assertEquals("mountpoint: must be an absolute path, got rel/dir", problem("mountpoint", "rel/dir"));
        assertEquals("threads: must be a whole number, got 'many'", problem("mountpoint", "/m", "threads", "many"));
        assertEquals("allow_other: must be true or false, got 'maybe'",
                problem("mountpoint", "/m", "allow_other", "maybe"));
        assertTrue(problem("mountpoint", "/m", "max_stack_depth", 3).startsWith("max_stack_depth: must be 1"));
        assertTrue(problem("mountpoint", "/m", "backend_wait", "-1").startsWith("backend_wait: must be"));
        assertTrue(problem("mountpoint", "/m", "max_open_files", "-1").startsWith("max_open_files: must be"));
        assertTrue(problem("mountpoint", "/m", "max_read", "512").startsWith("max_read: must be 0 (no limit) or at "
                + "least 4096 bytes"));
        assertEquals("entry_timeout: must be a number of seconds, got 'soon'",
                problem("mountpoint", "/m", "entry_timeout", "soon"));
        assertEquals("writeback_cache: the kernel turns passthrough off for a mount with the writeback cache; set "
                + "passthrough=false to use it", problem("mountpoint", "/m", "writeback_cache", true));
        assertEquals("transport: must be auto, uring or device, got 'ring'",
                problem("mountpoint", "/m", "transport", "ring"));
    }

    @Test
    void theTransportIsAMountKeyTheKernelTakesAtInit() throws Exception {
        MountConfig c = parse("mountpoint", "/m", "transport", "URING");
        assertEquals(ChannelTransport.URING, c.transport());
        assertEquals(ChannelTransport.DEVICE, parse("mountpoint", "/m", "transport", " device").transport());
        assertTrue(c.needsRemount(parse("mountpoint", "/m", "transport", "device")));
        assertFalse(c.needsRemount(parse("mountpoint", "/m", "transport", "uring")));
        assertTrue(c.backendSettings().isEmpty(), "a mount key, not the backend's");
    }

    @Test
    void theWritebackCacheComesWithPassthroughOff() throws Exception {
        MountConfig c = parse("mountpoint", "/m", "passthrough", "false", "writeback_cache", "yes");
        assertTrue(c.writebackCache());
        assertFalse(c.passthrough());
        assertTrue(c.needsRemount(parse("mountpoint", "/m", "passthrough", false)), "the kernel takes it at INIT");
        assertTrue(c.backendSettings().isEmpty(), "a mount key, not the backend's");
    }

    @Test
    void mountHelperKeys() throws Exception {
        MountConfig plain = parse("mountpoint", "/m", "backend", "my backend");
        assertEquals("my_backend", plain.fsName(), "without fsname, the backend's name");
        assertFalse(plain.forgetOnUnmount());
        MountConfig helper = parse("mountpoint", "/m", "fsname", "/srv/a,b", "forget_on_unmount", "true");
        assertEquals("/srv/a_b", helper.fsName(), "a ',' would split fusermount3's options");
        assertTrue(helper.forgetOnUnmount());
        assertTrue(helper.backendSettings().isEmpty(), "mount keys, not the backend's");
        assertTrue(plain.needsRemount(parse("mountpoint", "/m", "backend", "my backend", "fsname", "x")));
        assertFalse(plain.needsRemount(parse("mountpoint", "/m", "backend", "other")), "a swap keeps the mount");
        assertEquals("forget_on_unmount: must be true or false, got 'later'",
                problem("mountpoint", "/m", "forget_on_unmount", "later"));
    }

    @Test
    void whatNeedsARemount() throws Exception {
        MountConfig base = parse("mountpoint", "/m", "root", "/srv", "policy", "always");
        assertFalse(base.needsRemount(parse("mountpoint", "/m", "root", "/srv", "policy", "never",
                "attr_timeout", 3)));
        assertTrue(base.backendSettingsDiffer(parse("mountpoint", "/m", "root", "/srv", "policy", "never")));
        assertFalse(base.backendSettingsDiffer(parse("mountpoint", "/m", "root", "/srv", "policy", "always",
                "service.pid", "x", "entry_timeout", 4)));
        assertTrue(base.needsRemount(parse("mountpoint", "/n", "root", "/srv")));
        assertTrue(base.needsRemount(parse("mountpoint", "/m", "passthrough", false)));
        assertTrue(base.needsRemount(parse("mountpoint", "/m", "threads", 7)));
    }
}
