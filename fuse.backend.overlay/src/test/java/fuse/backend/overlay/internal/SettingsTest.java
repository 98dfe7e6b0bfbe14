package fuse.backend.overlay.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import fuse.api.Errno;
import fuse.api.FuseException;

class SettingsTest {
    private static Map<String, Object> config(Object... keyValues) {
        Map<String, Object> map = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put((String) keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    private static String error(Map<String, Object> config) {
        FuseException e = assertThrows(FuseException.class, () -> Settings.parse(config));
        assertEquals(Errno.EINVAL, e.errno());
        return e.getMessage();
    }

    @Test
    void lowerdirTakesTheKernelSyntaxOrAList() throws FuseException {
        Settings s = Settings.parse(config("lowerdir", "/a:/b\\:c:/d", "upperdir", "/u", "workdir", "/w"));
        assertEquals(List.of(Path.of("/a"), Path.of("/b:c"), Path.of("/d")), s.lowers());
        assertEquals(Path.of("/u"), s.upper());
        assertFalse(s.userxattr());
        Settings list = Settings.parse(config("lowerdir", new String[] {"/x:y", "/z"}, "userxattr", "true"));
        assertEquals(List.of(Path.of("/x:y"), Path.of("/z")), list.lowers());
        assertTrue(list.readOnly());
        assertNull(list.work());
        assertTrue(list.userxattr());
        assertEquals(List.of(Path.of("/q")), Settings.parse(config("lowerdir", List.of("/q"))).lowers());
        assertTrue(s.passthrough(), "the mount's passthrough key, true by default");
        assertFalse(Settings.parse(config("lowerdir", "/a", "passthrough", "false")).passthrough());
        assertFalse(Settings.parse(config("lowerdir", "/a", "passthrough", Boolean.FALSE)).passthrough());
    }

    @Test
    void featuresTheOverlayDoesNotHaveAreRefusedByName() throws FuseException {
        assertTrue(error(config("lowerdir", "/a", "redirect_dir", "on")).startsWith(
                "redirect_dir: 'on' is not supported: this overlay follows the redirects kernel overlayfs wrote"));
        assertTrue(error(config("lowerdir", "/a", "redirect_dir", "sometimes")).startsWith(
                "redirect_dir: expected off, follow or nofollow"));
        assertTrue(error(config("lowerdir", "/a", "index", true)).startsWith("index: 'true' is not supported"));
        assertTrue(error(config("lowerdir", "/a", "xino", "on")).startsWith("xino: 'on' is not supported"));
        assertEquals(List.of(Path.of("/a")), Settings.parse(config("lowerdir", "/a", "redirect_dir", "off",
                "index", "off", "metacopy", "off")).lowers());
        for (String key : List.of("uidmapping", "gidmapping")) {
            assertTrue(error(config("lowerdir", "/a", key, "0:1000:1")).startsWith(
                    key + ": not supported by this overlay (a fuse-overlayfs option"));
        }
    }

    @Test
    void readingFeatures() throws FuseException {
        assertEquals(new Settings.Reading(true, false), Settings.parse(config("lowerdir", "/a")).reading());
        assertEquals(new Settings.Reading(true, true),
                Settings.parse(config("lowerdir", "/a", "metacopy", "on", "redirect_dir", "follow")).reading());
        assertEquals(new Settings.Reading(false, false),
                Settings.parse(config("lowerdir", "/a", "redirect_dir", "nofollow")).reading());
        assertEquals(new Settings.Reading(false, false),
                Settings.parse(config("lowerdir", "/a", "userxattr", "true")).reading(), "the kernel's userxattr");
        assertTrue(error(config("lowerdir", "/a", "metacopy", "on", "redirect_dir", "nofollow"))
                .startsWith("metacopy: 'on' needs redirects followed"));
        assertTrue(error(config("lowerdir", "/a", "userxattr", true, "redirect_dir", "follow"))
                .startsWith("redirect_dir: 'follow' conflicts with userxattr"));
    }

    @Test
    void rootlessOptions() throws FuseException {
        assertEquals(Settings.Rootless.NONE, Settings.parse(config("lowerdir", "/a")).rootless());
        assertEquals(new Settings.Rootless(true, 0, 0), Settings.parse(config("lowerdir", "/a", "upperdir", "/u",
                "workdir", "/w", "volatile", true, "squash_to_root", "true")).rootless());
        assertEquals(new Settings.Rootless(false, 1000, -1),
                Settings.parse(config("lowerdir", "/a", "squash_to_uid", 1000L)).rootless());
        assertEquals(new Settings.Rootless(false, -1, (int) 4294967294L),
                Settings.parse(config("lowerdir", "/a", "squash_to_gid", "4294967294")).rootless());
        assertTrue(error(config("lowerdir", "/a", "squash_to_uid", "-1")).startsWith(
                "squash_to_uid: -1 is not a valid id"));
        assertTrue(error(config("lowerdir", "/a", "squash_to_gid", "staff")).startsWith(
                "squash_to_gid: expected a numeric id"));
        assertEquals(new Settings.Rootless(false, 5, 0), Settings.parse(config("lowerdir", "/a", "squash_to_root",
                true, "squash_to_uid", 5)).rootless(), "squash_to_uid before squash_to_root, as in fuse-overlayfs");
        assertTrue(error(config("lowerdir", "/a", "volatile", "true")).startsWith(
                "volatile: a read-only overlay (no upperdir) has nothing to sync"));
    }

    @Test
    void errorsNameTheSetting() {
        assertTrue(error(config()).startsWith("lowerdir: must name at least one directory"));
        assertTrue(error(config("lowerdir", "/a::/b")).startsWith("lowerdir: empty entry"));
        assertTrue(error(config("lowerdir", "relative")).startsWith("lowerdir: must be an absolute path"));
        assertTrue(error(config("lowerdir", 42L)).startsWith("lowerdir: expected"));
        assertTrue(error(config("lowerdir", "/a", "upperdir", "/u")).startsWith("workdir: must be set together"));
        assertTrue(error(config("lowerdir", "/a", "workdir", "/w")).startsWith("workdir: is set but upperdir"));
        assertTrue(error(config("lowerdir", "/a", "userxattr", "maybe")).startsWith("userxattr: expected true"));
        assertTrue(error(config("lowerdir", "/a", "upperdir", 1, "workdir", "/w")).startsWith("upperdir: expected"));
    }
}
