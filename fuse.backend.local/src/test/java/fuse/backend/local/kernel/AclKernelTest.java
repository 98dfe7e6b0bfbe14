package fuse.backend.local.kernel;

import static fuse.testkit.posix.AclScenario.AS_NOBODY;
import static fuse.testkit.posix.AclScenario.EXPECTED;
import static fuse.testkit.posix.AclScenario.SETUP;
import static fuse.testkit.posix.ProbeResults.assertContains;
import static fuse.testkit.posix.ProbeResults.assertSameResults;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import fuse.channel.InitResult;
import fuse.mount.testing.TestMount;
import fuse.testkit.posix.AclScenario;
import fuse.testkit.posix.Python;

/**
 * POSIX ACLs through an {@code allow_other} mount behave as on the host: an ACL entry that denies or grants a user
 * decides its access, a directory's default ACL is inherited by what is created in it (and the umask applies only
 * where there is none), chmod moves the ACL mask, an ACL set through the mount is the host file's, and setting an
 * ACL as a user outside the file's group clears set-group-ID. The ACLs are set as root with {@code probe.py}
 * through the xattr calls (no {@code setfacl} needed), on a host directory directly and on the mounted copy
 * through the mount; then an ordinary user (uid 65534, {@code setpriv}) does the same on both sides, and the results
 * and the trees, ACLs included, must match ({@link AclScenario}).
 */
@Timeout(120)
class AclKernelTest {
    @TempDir
    Path base;

    private TwinTrees trees;

    @BeforeEach
    void setUp() throws Exception {
        trees = TwinTrees.in(base, AclScenario::populate);
    }

    @Test
    void aclsThroughTheMountBehaveAsOnTheHost() throws Exception {
        try (TestMount mount = LocalMounts.mount(trees.root(), "never", Map.of("allow_other", true))) {
            assertTrue(mount.session().awaitInit(java.time.Duration.ofSeconds(5)).orElseThrow()
                    .has(InitResult.POSIX_ACL), "POSIX_ACL negotiated with default_permissions");
            List<String> setupHost = Python.probe(mount, Python.ROOT, trees.host().toString(), "022", SETUP);
            List<String> setupMount = Python.probe(mount, Python.ROOT, mount.path().toString(), "022", SETUP);
            assertSameResults(setupHost, setupMount);
            assertTrue(setupHost.stream().allMatch(line -> line.endsWith("-> OK")),
                    () -> String.join("\n", setupHost));
            // ACLs set through the mount are the host file's own.
            assertEquals(manifest(mount, trees.host()), manifest(mount, trees.root()), "ACLs set through the mount");

            List<String> onHost = Python.probe(mount, Python.NOBODY, trees.host().toString(), "022", AS_NOBODY);
            List<String> onMount = Python.probe(mount, Python.NOBODY, mount.path().toString(), "022", AS_NOBODY);
            assertSameResults(onHost, onMount);
            // The comparison means something only if the host applied the ACLs as expected:
            assertContains(onHost, EXPECTED);
            assertEquals(manifest(mount, trees.host()), manifest(mount, trees.root()),
                    "the trees after the user's changes");
        }
    }

    private static String manifest(TestMount mount, Path tree) throws Exception {
        return String.join("\n", Python.manifest(mount, tree.toString(), "--no-times", "--acls"));
    }
}
