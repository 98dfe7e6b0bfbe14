package fuse.backend.overlay.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.testkit.TestCaller;

/** The directory checks made when an overlay opens, each failing with a message that names the setting. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LayersTest {
    @RegisterExtension
    final Fixture fx = new Fixture();

    private FuseException failure(Map<String, Object> config) {
        return assertThrows(FuseException.class, () -> OverlayFileSystem.open(Settings.parse(config)).close());
    }

    private Map<String, Object> with(String key, Object value) {
        Map<String, Object> config = fx.configuration();
        config.put(key, value);
        return config;
    }

    @Test
    void missingAndUnusableDirectories() throws Exception {
        FuseException e = failure(with("lowerdir", fx.base.resolve("nope").toString()));
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals("lowerdir: " + fx.base.resolve("nope") + " does not exist", e.getMessage());
        Files.writeString(fx.base.resolve("file"), "x");
        e = failure(with("upperdir", fx.base.resolve("file").toString()));
        assertEquals("upperdir: " + fx.base.resolve("file") + " is not a directory", e.getMessage());
        e = failure(with("workdir", fx.base.resolve("missing").toString()));
        assertTrue(e.getMessage().startsWith("workdir: "), e.getMessage());
    }

    @Test
    void workdirMustBeOnTheUpperFileSystem() throws Exception {
        Path shm = Files.createTempDirectory(Path.of("/dev/shm"), "overlay-work");
        try {
            FuseException e = failure(with("workdir", shm.toString()));
            assertEquals(Errno.EXDEV, e.errno());
            assertTrue(e.getMessage().startsWith("workdir: " + shm + " is on another file system than upperdir "),
                    e.getMessage());
        } finally {
            Files.delete(shm);
        }
    }

    @Test
    void layersMustNotOverlap() throws Exception {
        Path inside = Files.createDirectory(fx.upper.resolve("inside"));
        assertEquals("workdir: " + inside + " is inside upperdir " + fx.upper + "; layers must not overlap",
                failure(with("workdir", inside.toString())).getMessage());
        Path lowerInUpper = Files.createDirectory(fx.upper.resolve("low"));
        assertTrue(failure(with("lowerdir", lowerInUpper.toString())).getMessage()
                .startsWith("lowerdir: " + lowerInUpper + " is inside upperdir"));
        Path upperInLower = Files.createDirectory(fx.lower1.resolve("up"));
        assertTrue(failure(with("upperdir", upperInLower.toString())).getMessage()
                .startsWith("upperdir: " + upperInLower + " is inside lowerdir " + fx.lower1));
        assertEquals(Errno.ELOOP, failure(with("lowerdir", fx.lower1 + ":" + fx.lower1)).errno());
        assertTrue(failure(with("lowerdir", fx.lower1 + ":" + fx.lower1.resolve("up"))).getMessage()
                .contains("is inside lowerdir"));
        assertTrue(failure(with("workdir", fx.upper.toString())).getMessage().startsWith("upperdir: "));
    }

    @Test
    void noLayerMayBeAtOrBelowTheMountpoint() throws Exception {
        FuseException e = assertThrows(FuseException.class,
                () -> OverlayFileSystem.open(Settings.parse(fx.configuration()), fx.lower1).close());
        assertEquals(Errno.ELOOP, e.errno());
        assertTrue(e.getMessage().startsWith("lowerdir: " + fx.lower1 + " is the mountpoint " + fx.lower1),
                e.getMessage());
        e = assertThrows(FuseException.class,
                () -> OverlayFileSystem.open(Settings.parse(fx.configuration()), fx.base).close());
        assertTrue(e.getMessage().startsWith("lowerdir: " + fx.lower1 + " is inside the mountpoint " + fx.base),
                e.getMessage());
        OverlayFileSystem.open(Settings.parse(fx.configuration()), fx.mountpoint).close();
    }

    @Test
    void aFileSystemMountedInsideALayerIsNotEntered() throws Exception {
        Path covered = Files.createDirectories(fx.lower1.resolve("covered"));
        Files.writeString(covered.resolve("underneath"), "u");
        mount("tmpfs", covered);
        try {
            Files.writeString(covered.resolve("on-top"), "t");
            try (OverlayFileSystem fs = fx.open()) {
                FuseException e = assertThrows(FuseException.class,
                        () -> fs.lookup(TestCaller.root(), fs.root(), "covered"));
                assertEquals(Errno.EXDEV, e.errno());
                assertTrue(Tree.list(fs, fs.root()).stream().anyMatch(l -> l.name().equals("covered")));
            }
        } finally {
            KernelOverlay.unmountLazily(covered);
        }
    }

    private static void mount(String type, Path target) throws Exception {
        Process p = new ProcessBuilder("mount", "-t", type, "none", target.toString()).redirectErrorStream(true)
                .start();
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("mount " + target + ": " + new String(p.getInputStream().readAllBytes()));
        }
    }

    @Test
    void eachOverlayWorksInItsOwnLockedDirectoryAndLeftoversAreRemoved() throws Exception {
        Files.createDirectories(fx.work.resolve("work/#1/deep"));
        Fixture.whiteout(fx.work, "work/#2");
        Files.createDirectories(fx.work.resolve("work/" + WorkDir.INSTANCE_PREFIX + "crashed/#3"));
        try (OverlayFileSystem first = fx.open()) {
            List<String> afterFirst = entries();
            assertEquals(1, afterFirst.size(), "leftovers of a crash are removed: " + afterFirst);
            assertTrue(afterFirst.getFirst().startsWith(WorkDir.INSTANCE_PREFIX));
            // A second overlay over the same directories (a swap) keeps the first one's directory.
            try (OverlayFileSystem second = fx.open()) {
                List<String> both = entries();
                assertEquals(2, both.size(), both.toString());
                assertTrue(both.containsAll(afterFirst));
            }
            assertEquals(afterFirst, entries(), "closing removes the overlay's own directory only");
            assertEquals(List.of(), Fixture.workLeftovers(fx.work));
        }
        assertEquals(List.of(), entries());
    }

    private List<String> entries() throws Exception {
        try (var list = Files.list(fx.work.resolve("work"))) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
