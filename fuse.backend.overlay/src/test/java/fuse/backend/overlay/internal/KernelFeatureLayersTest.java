package fuse.backend.overlay.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.testkit.TestCaller;

/**
 * Layers kernel overlayfs wrote with its newer features ({@code redirect_dir=on}, {@code metacopy=on},
 * {@code index=on}), read by this backend: each test changes the tree through a kernel overlay mount with the
 * feature on, unmounts it, and compares what the backend shows with what the kernel showed; then the backend
 * changes the tree and the kernel reads the result back. The upper layer is also read as the top lower layer of a
 * read-only overlay, so that redirects and metadata-only copies are met in a lower layer too.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KernelFeatureLayersTest {
    private static final String DEFAULTS = "index=off,metacopy=off,xino=off,redirect_dir=off";
    private static final String REDIRECTS = "index=off,metacopy=off,xino=off,redirect_dir=on";
    private static final String METACOPY = "index=off,metacopy=on,xino=off,redirect_dir=on";
    private static final String INDEX = "index=on,metacopy=off,xino=off,redirect_dir=off";

    @RegisterExtension
    final Fixture fx = Fixture.withSampleLowers();

    private KernelOverlay kernel(String features) throws Exception {
        return KernelOverlay.mount(fx.lowers(), fx.upper, fx.work, fx.mountpoint, features);
    }

    private OverlayFileSystem open(String... keyValues) throws FuseException {
        Map<String, Object> config = fx.configuration();
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put(keyValues[i], keyValues[i + 1]);
        }
        return OverlayFileSystem.open(Settings.parse(config));
    }

    /** The upper layer as the top lower layer of a read-only overlay. */
    private OverlayFileSystem openUpperAsLower(String... keyValues) throws FuseException {
        Map<String, Object> config = new java.util.HashMap<>();
        config.put(Settings.LOWERDIR, fx.upper + ":" + fx.lower1 + ":" + fx.lower2);
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put(keyValues[i], keyValues[i + 1]);
        }
        return OverlayFileSystem.open(Settings.parse(config));
    }

    private String overlayXattr(String path, String name) throws Exception {
        return OverlayXattrs.text(XattrIo.get(fx.upper.resolve(path).toString(),
                OverlayXattrs.TRUSTED_PREFIX + name, false));
    }

    private static void step(Errno result) {
        assertNull(result);
    }

    @Test
    void directoriesTheKernelRenamedWithRedirectsReadTheSame() throws Exception {
        SortedMap<String, Tree.Info> kernelView;
        try (KernelOverlay kernel = kernel(REDIRECTS)) {
            HostOps ops = new HostOps(kernel.target.toString());
            step(ops.rename("etc", "etc2", 0)); // merged over both lowers, same parent: a relative redirect
            step(ops.rename("var/log", "home/log", 0)); // to another parent: an absolute redirect
            step(ops.write("etc2/hosts", 0, "changed".getBytes(), false, false, 0));
            step(ops.rename("home", "home2", 0)); // holds the absolutely redirected one
            step(ops.mkdir("etc", 0755)); // the old name again: a new opaque directory over the whiteout
            step(ops.write("etc/fresh", 0, "fresh".getBytes(), true, false, 0644));
            kernelView = Tree.ofMount(kernel.target.toString());
        }
        assertEquals("etc", overlayXattr("etc2", "redirect"));
        assertEquals("home", overlayXattr("home2", "redirect"));
        assertEquals("/var/log", overlayXattr("home2/log", "redirect"));
        assertTrue(kernelView.containsKey("etc2/passwd") && kernelView.containsKey("home2/log/syslog"));

        SortedMap<String, Tree.Info> backendView;
        try (OverlayFileSystem fs = open()) {
            assertEquals("", Tree.diff(kernelView, Tree.ofSpi(fs)));
            SpiOps ops = new SpiOps(fs);
            assertEquals(Errno.EXDEV, ops.rename("etc2", "etc3", 0), "this backend writes no redirects");
            step(ops.write("home2/log/syslog", 9000, "appended\n".getBytes(), false, false, 0));
            step(ops.unlink("etc2/passwd"));
            step(ops.mkdir("home2/log/new", 0700));
            step(ops.rmdir("empty"));
            backendView = Tree.ofSpi(fs);
        }
        try (KernelOverlay kernel = kernel(DEFAULTS)) { // the kernel follows redirects by default
            assertEquals("", Tree.diff(backendView, Tree.ofMount(kernel.target.toString())));
        }
        try (OverlayFileSystem layered = openUpperAsLower()) {
            assertEquals("", Tree.diff(backendView, Tree.ofSpi(layered)), "redirects in a lower layer");
        }
        try (OverlayFileSystem fs = open(Settings.REDIRECT_DIR, "nofollow")) {
            SpiOps ops = new SpiOps(fs);
            assertEquals(Errno.EPERM, ops.readAll("etc2/hosts", new byte[1][]));
        }
    }

    @Test
    void metadataOnlyCopiesServeTheirLowerData() throws Exception {
        SortedMap<String, Tree.Info> kernelView;
        try (KernelOverlay kernel = kernel(METACOPY)) {
            HostOps ops = new HostOps(kernel.target.toString());
            step(ops.chmod("bin/tool", 0700));
            step(ops.chmod("data/big", 0600));
            step(ops.rename("data/big", "etc/big-moved", 0)); // a metadata-only copy with an absolute redirect
            step(ops.utimes("var/log/syslog", 1_000_000));
            step(ops.setxattr("etc/passwd", "user.k", "v".getBytes(StandardCharsets.UTF_8))); // data in lower2
            step(ops.chmod("home/user/.profile", 0600));
            kernelView = Tree.ofMount(kernel.target.toString());
        }
        for (String path : List.of("bin/tool", "etc/big-moved", "var/log/syslog", "etc/passwd")) {
            assertEquals("", overlayXattr(path, "metacopy"), path + " is a metadata-only copy");
        }
        assertEquals("/data/big", overlayXattr("etc/big-moved", "redirect"));
        try (OverlayFileSystem fs = open()) {
            assertEquals(Errno.EPERM, new SpiOps(fs).readAll("bin/tool", new byte[1][]), "metacopy=off, as the kernel");
        }

        SortedMap<String, Tree.Info> backendView;
        try (OverlayFileSystem fs = open(Settings.METACOPY, "on")) {
            assertEquals("", Tree.diff(kernelView, Tree.ofSpi(fs)));
            SpiOps ops = new SpiOps(fs);
            step(ops.write("bin/tool", 0, "#!".getBytes(), false, false, 0)); // the data is copied first
            step(ops.rename("etc/big-moved", "big-again", 0));
            step(ops.truncate("var/log/syslog", 100));
            step(ops.link("etc/passwd", "etc/passwd-link"));
            backendView = Tree.ofSpi(fs);
        }
        for (String path : List.of("bin/tool", "big-again", "var/log/syslog", "etc/passwd")) {
            assertNull(overlayXattr(path, "metacopy"), path + " holds its data now");
        }
        assertEquals("", overlayXattr("home/user/.profile", "metacopy"), "untouched: still metadata only");
        assertEquals(Tree.digest(Files.readAllBytes(fx.lower1.resolve("data/big"))),
                backendView.get("big-again").content());
        try (KernelOverlay kernel = kernel(METACOPY)) {
            assertEquals("", Tree.diff(backendView, Tree.ofMount(kernel.target.toString())));
        }
        try (OverlayFileSystem layered = openUpperAsLower(Settings.METACOPY, "on")) {
            assertEquals("", Tree.diff(backendView, Tree.ofSpi(layered)), "a metadata-only copy in a lower layer");
        }
    }

    @Test
    void indexEntriesAreReadWithIndexOnAndLeftAloneWithout() throws Exception {
        SortedMap<String, Tree.Info> indexedView;
        try (KernelOverlay kernel = kernel(INDEX)) {
            HostOps ops = new HostOps(kernel.target.toString());
            step(ops.write("data/linked", 0, "CHANGED".getBytes(), false, false, 0)); // a lower hard link: indexed
            step(ops.chmod("etc/hosts", 0600));
            indexedView = Tree.ofMount(kernel.target.toString());
        }
        List<String> index = indexEntries();
        assertEquals(1, index.size(), "the kernel indexed the copied-up hard link: " + index);
        SortedMap<String, Tree.Info> unindexedView;
        try (KernelOverlay kernel = kernel(DEFAULTS)) {
            unindexedView = Tree.ofMount(kernel.target.toString());
        }
        // What the index changes: the other name of the hard link shows the copy.
        assertEquals("data/link2:\n    expected " + indexedView.get("data/link2") + "\n    actual   "
                + unindexedView.get("data/link2"), Tree.diff(indexedView, unindexedView).trim());
        try (OverlayFileSystem fs = open()) {
            assertEquals("", Tree.diff(unindexedView, Tree.ofSpi(fs)), "index=off (default): as the kernel's");
        }
        assertEquals(index, indexEntries(), "the index is left as it was");

        SortedMap<String, Tree.Info> backendView;
        try (OverlayFileSystem fs = open(Settings.INDEX, "on")) {
            assertEquals("", Tree.diff(indexedView, Tree.ofSpi(fs)), "index=on: as the kernel's");
            SpiOps ops = new SpiOps(fs);
            step(ops.write("data/link2", 0, "shared".getBytes(), false, false, 0)); // the one indexed copy
            step(ops.rename("data/link2", "etc/link2-moved", 0)); // linked up first, then moved
            backendView = Tree.ofSpi(fs);
        }
        assertEquals(backendView.get("data/linked").content(), backendView.get("etc/link2-moved").content());
        assertTrue(backendView.get("data/linked").content().startsWith("'shared"), backendView.toString());
        assertEquals(index, indexEntries(), "no entry added or removed");
        try (KernelOverlay kernel = kernel(INDEX)) {
            assertEquals("", Tree.diff(backendView, Tree.ofMount(kernel.target.toString())));
        }
    }

    private List<String> indexEntries() throws Exception {
        try (Stream<Path> entries = Files.list(fx.work.resolve("index"))) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aMetadataOnlyCopyWithoutDataIsAnError() throws Exception {
        Fixture.file(fx.upper, "orphan", "");
        XattrIo.set(fx.upper.resolve("orphan").toString(), OverlayXattrs.TRUSTED_PREFIX + "metacopy", new byte[0], 0,
                false);
        try (OverlayFileSystem fs = open(Settings.METACOPY, "on")) {
            FuseException e = assertThrows(FuseException.class,
                    () -> fs.lookup(TestCaller.root(), fs.root(), "orphan"));
            assertEquals(Errno.EIO, e.errno());
        }
        assertFalse(Resolver.validRedirect("/a//b"));
        assertFalse(Resolver.validRedirect("a/b"));
        assertFalse(Resolver.validRedirect("/a/../b"));
        assertTrue(Resolver.validRedirect("/a/b"));
        assertTrue(Resolver.validRedirect("a"));
    }
}
