package fuse.backend.overlay.internal;

import static fuse.testkit.posix.AclScenario.AS_NOBODY;
import static fuse.testkit.posix.AclScenario.EXPECTED;
import static fuse.testkit.posix.AclScenario.SETUP;
import static fuse.testkit.posix.ProbeResults.assertContains;
import static fuse.testkit.posix.ProbeResults.assertSameResults;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import fuse.testkit.posix.AclScenario;
import fuse.testkit.posix.Python;
import fuse.mount.testing.TestMount;

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
    @RegisterExtension
    final Fixture ours = new Fixture();
    @RegisterExtension
    final Fixture kernels = new Fixture();

    /** The tree with its ACLs in the lower layer, reachable by the ordinary user. */
    private static void prepare(Fixture fx, TestMount anyMount) throws Exception {
        fx.reachableByOthers();
        Path tree = AclScenario.populate(fx.lower1.resolve("acl"));
        List<String> setup = Python.probe(anyMount, Python.ROOT, tree.toString(), "022", SETUP);
        assertTrue(setup.stream().allMatch(line -> line.endsWith("-> OK")), () -> String.join("\n", setup));
    }

    @Test
    void aclsThroughTheOverlayBehaveAsThroughTheKernelsOverlayfs() throws Exception {
        // Not passthrough: a read-only open passes the lower file through and its RELEASE comes asynchronously,
        // so the next write open of the same file could meet the overlay's ETXTBSY rule; ACLs are the point here.
        Object[] keys = {"allow_other", true, "passthrough", false};
        // The tree is in place before either overlay looks at it.
        ours.reachableByOthers();
        try (TestMount scratch = ours.mount(keys)) {
            prepare(ours, scratch);
            prepare(kernels, scratch);
        }
        try (TestMount mount = ours.mount(keys);
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
