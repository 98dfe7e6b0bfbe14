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
        assertTrue(error(config("lowerdir", "/a", "nfs_export", true)).startsWith("nfs_export: 'true' is not "
                + "supported"));
        assertTrue(error(config("lowerdir", "/a", "xino", "on")).startsWith("xino: 'on' is not supported"));
        assertEquals(List.of(Path.of("/a")), Settings.parse(config("lowerdir", "/a", "redirect_dir", "off",
                "index", "off", "metacopy", "off")).lowers());
        for (String key : List.of("static_nlink", "plugins")) {
            assertEquals(key + ": not supported by this overlay (a fuse-overlayfs option)",
                    error(config("lowerdir", "/a", key, "1")));
        }
    }

    @Test
    void readingFeatures() throws FuseException {
        assertEquals(new Settings.Reading(true, false, false), Settings.parse(config("lowerdir", "/a")).reading());
        assertEquals(new Settings.Reading(true, true, false),
                Settings.parse(config("lowerdir", "/a", "metacopy", "on", "redirect_dir", "follow")).reading());
        assertEquals(new Settings.Reading(false, false, false),
                Settings.parse(config("lowerdir", "/a", "redirect_dir", "nofollow")).reading());
        assertEquals(new Settings.Reading(false, false, false),
                Settings.parse(config("lowerdir", "/a", "userxattr", "true")).reading(), "the kernel's userxattr");
        assertTrue(Settings.parse(config("lowerdir", "/a", "index", "on")).reading().index());
        assertTrue(error(config("lowerdir", "/a", "metacopy", "on", "redirect_dir", "nofollow"))
                .startsWith("metacopy: 'on' needs redirects followed"));
        assertTrue(error(config("lowerdir", "/a", "userxattr", true, "redirect_dir", "follow"))
                .startsWith("redirect_dir: 'follow' conflicts with userxattr"));
    }

    private static Owners owners(Object... keyValues) throws FuseException {
        Map<String, Object> config = config(keyValues);
        config.put("lowerdir", "/a");
        return Settings.parse(config).rootless().owners();
    }

    @Test
    void rootlessOptions() throws FuseException {
        assertEquals(Settings.Rootless.NONE, Settings.parse(config("lowerdir", "/a")).rootless());
        Settings.Rootless all = Settings.parse(config("lowerdir", "/a", "upperdir", "/u", "workdir", "/w",
                "volatile", true, "squash_to_root", "true")).rootless();
        assertTrue(all.volatileUpper());
        assertEquals(0, all.owners().shownUid(1000));
        assertEquals(0, all.owners().shownGid(1000));
        assertEquals(1000, all.owners().storedUid(1000), "squashing only shows");
        assertEquals(1000, owners("squash_to_uid", 1000L).shownUid(5));
        assertEquals(5, owners("squash_to_uid", 1000L).shownGid(5));
        assertEquals(-2, owners("squash_to_gid", "4294967294").shownGid(5), "the largest id, unsigned");
        Owners both = owners("squash_to_root", true, "squash_to_uid", 5);
        assertEquals(5, both.shownUid(1), "squash_to_uid before squash_to_root, as in fuse-overlayfs");
        assertEquals(0, both.shownGid(1));
        assertTrue(error(config("lowerdir", "/a", "squash_to_uid", "-1")).startsWith(
                "squash_to_uid: -1 is not a valid id"));
        assertTrue(error(config("lowerdir", "/a", "squash_to_gid", "staff")).startsWith(
                "squash_to_gid: expected a numeric id"));
        assertTrue(error(config("lowerdir", "/a", "volatile", "true")).startsWith(
                "volatile: a read-only overlay (no upperdir) has nothing to sync"));
    }

    @Test
    void idMappingsShiftIdsBothWays() throws FuseException {
        // fuse-overlayfs's example: host 1000 is shown as 0, host 110000.. as 1..
        Owners mapped = owners("uidmapping", "1000:0:1:110000:1:65536", "gidmapping", new String[] {"1000:0:1"});
        assertEquals(0, mapped.shownUid(1000));
        assertEquals(1, mapped.shownUid(110000));
        assertEquals(65536, mapped.shownUid(175535));
        assertEquals(65534, mapped.shownUid(0), "unmapped: the overflow id");
        assertEquals(1000, mapped.storedUid(0));
        assertEquals(110009, mapped.storedUid(10));
        assertEquals(65534, mapped.storedUid(70000));
        assertEquals(0, mapped.shownGid(1000));
        assertEquals(65534, mapped.shownGid(1001));
        assertEquals(7, owners("uidmapping", "0:0:10,20:30:5").storedUid(7), "',' separates triples too");
        assertEquals(20, owners("uidmapping", "0:0:10,20:30:5").storedUid(30));
        assertTrue(error(config("lowerdir", "/a", "uidmapping", "0:1")).startsWith(
                "uidmapping: expected host:shown:count triples"));
        assertTrue(error(config("lowerdir", "/a", "gidmapping", "0:x:1")).startsWith(
                "gidmapping: 'x' in '0:x:1' is not an id or a count"));
        assertTrue(error(config("lowerdir", "/a", "uidmapping", "0:0:0")).startsWith(
                "uidmapping: the range 0:0:0 is empty"));
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
