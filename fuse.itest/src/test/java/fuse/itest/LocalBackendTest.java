package fuse.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** The local backend as the mount finds it in the framework: a DS service with its settings' Metatype OCD. */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class LocalBackendTest {
    private static final Caller ROOT = TestCaller.root(022);

    @InjectService(filter = "(fuse.backend.name=local)", timeout = 5000)
    ServiceAware<FileSystemBackend> local;

    @InjectService(timeout = 5000)
    MetaTypeService metaType;

    @TempDir
    Path dir;

    private static MountContext mount(Map<String, Object> configuration) {
        return new TestMountContext(Path.of("/mnt/itest"), configuration);
    }

    @Test
    void theServiceOpensAFileSystemPerMount() throws Exception {
        Files.writeString(dir.resolve("hello.txt"), "hi");
        FileSystemBackend backend = local.getService();
        try (FileSystem fs = backend.open(mount(Map.of("root", dir.toString(), "policy", "rules",
                "rules", new String[] {"*.txt:java"})))) {
            Entry entry = fs.lookup(ROOT, fs.root(), "hello.txt");
            assertEquals(2, entry.attributes().size());
            Opened opened = fs.open(ROOT, entry.node(), 0);
            assertInstanceOf(Opened.Served.class, opened);
            fs.release(opened.handle());
            fs.reconfigure(Map.of("root", dir.toString(), "policy", "always"));
            Opened again = fs.open(ROOT, entry.node(), 0);
            assertInstanceOf(Opened.Passthrough.class, again);
            fs.release(again.handle());
        }
        FuseException missing = assertThrows(FuseException.class,
                () -> backend.open(mount(Map.of("root", dir.resolve("nope").toString()))));
        assertEquals(Errno.ENOENT, missing.errno());
        assertEquals("root: " + dir.resolve("nope") + " does not exist", missing.getMessage());
    }

    @Test
    void theSettingsAreDescribedByAMetatypeOcd() {
        ServiceReference<FileSystemBackend> reference = local.getServiceReference();
        String ocdId = (String) reference.getProperty(FileSystemBackend.SETTINGS);
        assertEquals("fuse.backend.local", ocdId);
        Bundle bundle = reference.getBundle();
        ObjectClassDefinition ocd = metaType.getMetaTypeInformation(bundle).getObjectClassDefinition(ocdId, null);
        assertNotNull(ocd);
        Set<String> ids = Arrays.stream(ocd.getAttributeDefinitions(ObjectClassDefinition.ALL))
                .map(AttributeDefinition::getID).collect(Collectors.toSet());
        assertEquals(Set.of("root", "policy", "rules", "node_descriptors", "watch"), ids);
        AttributeDefinition policy = Arrays.stream(ocd.getAttributeDefinitions(ObjectClassDefinition.ALL))
                .filter(a -> a.getID().equals("policy")).findFirst().orElseThrow();
        assertEquals(Set.of("always", "never", "rules"), Set.of(policy.getOptionValues()));
        assertTrue(Arrays.asList(policy.getDefaultValue()).contains("always"));
    }
}
