package fuse.backend.overlay.internal;

import static fuse.backend.overlay.internal.Fixture.*;
import static fuse.posix.Linux.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SortedMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import fuse.api.Errno;
import fuse.posix.Posix;

/**
 * On-disk compatibility with the kernel's overlayfs, both ways, without FUSE: a state built through this
 * backend's SPI and then mounted with the kernel shows the same merged view (names, types, sizes, contents,
 * modes, owners, xattrs), and a state built through a kernel overlay mount reads the same through the backend.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KernelCompatibilityTest {
    @RegisterExtension
    final Fixture fx = Fixture.withSampleLowers();

    /** The same changes, through either side: every step must succeed. */
    static void scenario(Ops ops) {
        step(ops.write("etc/hosts", 0, "10.0.0.1".getBytes(), false, false, 0));
        step(ops.write("var/log/syslog", 9000, "appended\n".getBytes(), false, false, 0));
        step(ops.write("etc/new.conf", 0, "new=1\n".getBytes(), true, false, 0640));
        step(ops.unlink("etc/passwd"));
        step(ops.unlink("bin/tool"));
        step(ops.unlink("var/cache/fresh"));
        step(ops.rmdir("var/cache"));
        step(ops.mkdir("var/cache", 0750));
        step(ops.write("var/cache/again", 0, "again".getBytes(), true, false, 0644));
        step(ops.rename("data/linked", "etc/linked", 0));
        step(ops.mkdir("tmpdir", 0755));
        step(ops.write("tmpdir/inner", 0, "inner".getBytes(), true, false, 0644));
        step(ops.rename("tmpdir", "var/moved", 0));
        step(ops.chmod("home/user", 0750));
        step(ops.setxattr("data/big", "user.changed", "yes".getBytes()));
        step(ops.removexattr("data/big", "user.origin"));
        step(ops.symlink("../etc/hosts", "bin/hosts-link"));
        step(ops.link("data/link2", "data/hardlink"));
        step(ops.mkfifo("var/fifo", 0600));
        step(ops.truncate("data/big", 12345));
        step(ops.rename("etc/hosts", "etc/new.conf", RENAME_EXCHANGE));
        step(ops.rmdir("empty"));
        step(ops.write("home/user/.profile", 0, "export Y=2\n".getBytes(), false, true, 0));
        assertEquals(Errno.EXDEV, ops.rename("etc", "etc2", 0), "merged directory without redirect_dir");
        assertEquals(Errno.ENOTEMPTY, ops.rmdir("var"));
    }

    private static void step(Errno result) {
        assertNull(result);
    }

    @Test
    void aStateWrittenByTheBackendMountsWithTheKernel() throws Exception {
        SortedMap<String, Tree.Info> backendView;
        try (OverlayFileSystem fs = fx.open()) {
            scenario(new SpiOps(fs));
            backendView = Tree.ofSpi(fs);
        }
        try (OverlayFileSystem reopened = fx.open()) {
            assertEquals("", Tree.diff(backendView, Tree.ofSpi(reopened)), "the state persists");
        }
        assertTrue(isWhiteout(fx.upper.resolve("etc/passwd")));
        assertTrue(isOpaque(fx.upper.resolve("var/cache")));
        assertTrue(isOpaque(fx.upper.resolve("var/moved")));
        assertTrue(isWhiteout(fx.upper.resolve("data/linked")));
        SortedMap<String, Tree.Info> kernelView;
        try (KernelOverlay kernel = fx.mountKernel()) {
            kernelView = Tree.ofMount(kernel.target.toString());
        }
        assertEquals("", Tree.diff(kernelView, backendView));
        assertFalse(kernelView.containsKey("var/cache/stale"));
        assertEquals("fifo", kernelView.get("var/fifo").type());
    }

    @Test
    void aStateWrittenByTheKernelReadsTheSameThroughTheBackend() throws Exception {
        SortedMap<String, Tree.Info> kernelView;
        try (KernelOverlay kernel = fx.mountKernel()) {
            scenario(new HostOps(kernel.target.toString()));
            kernelView = Tree.ofMount(kernel.target.toString());
        }
        try (OverlayFileSystem fs = fx.open()) {
            assertEquals("", Tree.diff(kernelView, Tree.ofSpi(fs)));
            // The backend goes on from the kernel's state (its origin/impure xattrs, shared whiteouts) ...
            SpiOps ops = new SpiOps(fs);
            step(ops.unlink("var/cache/again"));
            step(ops.rmdir("var/cache"));
            step(ops.write("etc/linked", 0, "changed".getBytes(), false, false, 0));
            step(ops.unlink("data/link2"));
            kernelView = Tree.ofSpi(fs);
        }
        // ... and the kernel reads the result.
        try (KernelOverlay kernel = fx.mountKernel()) {
            assertEquals("", Tree.diff(kernelView, Tree.ofMount(kernel.target.toString())));
        }
    }

    @Test
    void userxattrModeUsesUserOverlayNames() throws Exception {
        java.util.Map<String, Object> config = fx.configuration();
        config.put(Settings.USERXATTR, true);
        try (OverlayFileSystem fs = OverlayFileSystem.open(Settings.parse(config))) {
            SpiOps ops = new SpiOps(fs);
            step(ops.rmdir("empty"));
            step(ops.mkdir("empty", 0755));
            step(ops.setxattr("etc/hosts", "user.overlay.mine", "v".getBytes(StandardCharsets.UTF_8)));
        }
        assertEquals("y", OverlayXattrs.text(XattrIo.get(fx.upper.resolve("empty").toString(),
                OverlayXattrs.USER_PREFIX + "opaque", false)));
        assertEquals("v", OverlayXattrs.text(XattrIo.get(fx.upper.resolve("etc/hosts").toString(),
                "user.overlay.overlay.mine", false)));
        try (KernelOverlay kernel = KernelOverlay.mount(fx.lowers(), fx.upper, fx.work, fx.mountpoint, true)) {
            SortedMap<String, Tree.Info> view = Tree.ofMount(kernel.target.toString());
            assertTrue(view.containsKey("empty"));
            assertFalse(view.containsKey("empty/anything"));
            assertEquals("v", view.get("etc/hosts").xattrs().get("user.overlay.mine"));
        }
    }
}
