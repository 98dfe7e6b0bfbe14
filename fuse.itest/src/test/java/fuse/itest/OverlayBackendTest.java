package fuse.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.service.ServiceAware;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

import fuse.api.Caller;
import fuse.api.Entry;
import fuse.api.Errno;
import fuse.api.FileSystem;
import fuse.api.FileSystemBackend;
import fuse.api.FuseException;
import fuse.api.MountContext;
import fuse.api.Opened;
import fuse.testkit.TestCaller;
import fuse.testkit.TestMountContext;

/** The overlay backend as the mount finds it in the framework: a DS service with its settings' Metatype OCD. */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class OverlayBackendTest {
    private static final Caller ROOT = TestCaller.root(022);

    @InjectService(filter = "(fuse.backend.name=overlay)", timeout = 5000)
    ServiceAware<FileSystemBackend> overlay;

    @InjectService(timeout = 5000)
    MetaTypeService metaType;

    @TempDir
    Path dir;

    private static MountContext mount(Map<String, Object> configuration) {
        return new TestMountContext(Path.of("/mnt/itest"), configuration);
    }

    @Test
    void theServiceOpensAnOverlayPerMount() throws Exception {
        Path lower = Files.createDirectory(dir.resolve("lower"));
        Files.writeString(lower.resolve("hello.txt"), "hi");
        FileSystemBackend backend = overlay.getService();
        // Read-only (no upperdir) works for anyone; an upper layer needs root for trusted.* xattrs and whiteouts.
        try (FileSystem fs = backend.open(mount(Map.of("lowerdir", lower.toString())))) {
            Entry entry = fs.lookup(ROOT, fs.root(), "hello.txt");
            assertEquals(2, entry.attributes().size());
            Opened opened = fs.open(ROOT, entry.node(), 0);
            assertInstanceOf(Opened.Passthrough.class, opened);
            fs.release(opened.handle());
            assertEquals(Errno.EROFS, assertThrows(FuseException.class,
                    () -> fs.unlink(ROOT, fs.root(), "hello.txt")).errno());
        }
        FuseException missing = assertThrows(FuseException.class,
                () -> backend.open(mount(Map.of("lowerdir", dir.resolve("nope").toString()))));
        assertEquals(Errno.ENOENT, missing.errno());
        assertEquals("lowerdir: " + dir.resolve("nope") + " does not exist", missing.getMessage());
    }

    @Test
    void changesLandInTheUpperLayer() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "an upper layer needs root");
        Path lower = Files.createDirectory(dir.resolve("lower"));
        Path upper = Files.createDirectory(dir.resolve("upper"));
        Path work = Files.createDirectory(dir.resolve("work"));
        Files.writeString(lower.resolve("gone.txt"), "x");
        try (FileSystem fs = overlay.getService().open(mount(Map.of("lowerdir", new String[] {lower.toString()},
                "upperdir", upper.toString(), "workdir", work.toString())))) {
            fs.unlink(ROOT, fs.root(), "gone.txt");
        }
        assertTrue(Files.exists(lower.resolve("gone.txt")));
        // A whiteout stands in the upper layer: a character device 0/0.
        Path whiteout = upper.resolve("gone.txt");
        int mode = (Integer) Files.getAttribute(whiteout, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        assertEquals(0020000, mode & 0170000);
        assertEquals(0L, Files.getAttribute(whiteout, "unix:rdev", java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void theSettingsAreDescribedByAMetatypeOcd() {
        ServiceReference<FileSystemBackend> reference = overlay.getServiceReference();
        String ocdId = (String) reference.getProperty(FileSystemBackend.SETTINGS);
        assertEquals("fuse.backend.overlay", ocdId);
        Bundle bundle = reference.getBundle();
        ObjectClassDefinition ocd = metaType.getMetaTypeInformation(bundle).getObjectClassDefinition(ocdId, null);
        assertNotNull(ocd);
        Set<String> ids = Arrays.stream(ocd.getAttributeDefinitions(ObjectClassDefinition.ALL))
                .map(AttributeDefinition::getID).collect(Collectors.toSet());
        assertEquals(Set.of("lowerdir", "upperdir", "workdir", "userxattr", "redirect_dir", "metacopy", "index", "volatile",
                "squash_to_root", "squash_to_uid", "squash_to_gid", "uidmapping", "gidmapping", "policy", "rules"), ids);
        Set<String> required = Arrays.stream(ocd.getAttributeDefinitions(ObjectClassDefinition.REQUIRED))
                .map(AttributeDefinition::getID).collect(Collectors.toSet());
        assertEquals(Set.of("lowerdir", "policy"), required);
    }
}
