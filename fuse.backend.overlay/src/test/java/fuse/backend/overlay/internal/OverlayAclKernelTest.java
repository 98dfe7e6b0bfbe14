package fuse.backend.overlay.internal;

import static fuse.testkit.posix.AclScenario.AS_NOBODY;
import static fuse.testkit.posix.AclScenario.EXPECTED;
import static fuse.testkit.posix.AclScenario.SETUP;
import static fuse.testkit.posix.ProbeResults.assertContains;
import static fuse.testkit.posix.ProbeResults.assertSameResults;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import fuse.testkit.posix.AclScenario;
import fuse.testkit.posix.Python;
import fuse.mount.testing.TestMount;
import fuse.posix.Linux;
import fuse.posix.Posix;

/**
 * POSIX ACLs through an {@code allow_other} overlay mount behave as through the kernel's overlayfs over an identical
 * set of layers: the ACLs of lower files decide an ordinary user's access (uid 65534, {@code setpriv}), a copy-up
 * keeps them, a default ACL of a lower directory is inherited by what is made in it (the umask only applies
 * without one), chmod moves the mask, and an ACL set by a user outside the file's group clears set-group-ID.
 * The same operations as the local backend's ACL test ({@link AclScenario}); results and the upper layers, ACLs
 * included, must match.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OverlayAclKernelTest {
    private static final Duration DEADLINE = Duration.ofSeconds(100);

    private Fixture ours;
    private Fixture kernels;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root: kernel overlay mounts, switching users");
        ours = Fixture.create();
        kernels = Fixture.create();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Fixture fx : new Fixture[] {ours, kernels}) {
            if (fx != null) {
                fx.close();
            }
        }
    }

    /** The tree with its ACLs in the lower layer, reachable by the ordinary user. */
    private static void prepare(Fixture fx, TestMount anyMount) throws Exception {
        Posix.fchmodat(Linux.AT_FDCWD, fx.base.toString(), 0755, 0);
        Posix.fchmodat(Linux.AT_FDCWD, fx.mountpoint.toString(), 0755, 0);
        Path tree = AclScenario.populate(fx.lower1.resolve("acl"));
        List<String> setup = Python.probe(anyMount, Python.ROOT, tree.toString(), "022", SETUP);
        assertTrue(setup.stream().allMatch(line -> line.endsWith("-> OK")), () -> String.join("\n", setup));
    }

    @Test
    void aclsThroughTheOverlayBehaveAsThroughTheKernelsOverlayfs() throws Exception {
        Map<String, Object> config = new HashMap<>(ours.configuration());
        config.put("backend", "overlay");
        config.put("allow_other", true);
        // Not passthrough: a read-only open passes the lower file through and its RELEASE comes asynchronously,
        // so the next write open of the same file could meet the overlay's ETXTBSY rule; ACLs are the point here.
        config.put("passthrough", false);
        // The tree is in place before either overlay looks at it.
        Posix.fchmodat(Linux.AT_FDCWD, ours.base.toString(), 0755, 0);
        try (TestMount scratch = TestMount.mount(new OverlayBackend(), config, DEADLINE)) {
            prepare(ours, scratch);
            prepare(kernels, scratch);
        }
        try (TestMount mount = TestMount.mount(new OverlayBackend(), config, DEADLINE);
                KernelOverlay kernel = kernels.mountKernel()) {
            String oursTree = mount.path("acl").toString();
            String kernelTree = kernel.target.resolve("acl").toString();
            List<String> onKernel = Python.probe(mount, Python.NOBODY, kernelTree, "022", AS_NOBODY);
            List<String> onOurs = Python.probe(mount, Python.NOBODY, oursTree, "022", AS_NOBODY);
            assertSameResults(onKernel, onOurs);
            assertContains(onKernel, EXPECTED);
            assertEquals(manifest(mount, kernels.upper), manifest(mount, ours.upper), "the upper layers");
        }
    }

    private static String manifest(TestMount mount, Path tree) throws Exception {
        return String.join("\n", Python.manifest(mount, tree.toString(), "--no-times", "--acls"));
    }
}
