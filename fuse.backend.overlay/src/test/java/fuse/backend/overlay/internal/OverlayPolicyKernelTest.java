package fuse.backend.overlay.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import fuse.api.FileSystemBackend;
import fuse.mount.internal.MountConfig;
import fuse.mount.internal.MountCore;
import fuse.mount.testing.TestMount;
import fuse.passthrough.PassthroughStatistics;

/**
 * The passthrough policy ({@code policy}, {@code rules}) on a real overlay mount: rules decide per open on top of
 * the overlay's own rules (lower read-only opens, upper opens after copy-up), and a changed policy applies to new
 * opens of the same overlay (no fresh overlay: node and inode numbers stay).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OverlayPolicyKernelTest {
    private static final Duration DEADLINE = Duration.ofSeconds(50);

    @RegisterExtension
    final Fixture fx = new Fixture();

    @BeforeEach
    void setUp() throws Exception {
        Fixture.file(fx.lower2, "app.log", "lower log\n");
        Fixture.file(fx.lower2, "data.bin", "lower data\n");
        Fixture.file(fx.lower2, "logs/old.txt", "old\n");
    }

    @Test
    void rulesDecidePerOpenAndAChangedPolicyAppliesToNewOpensOfTheSameOverlay() throws Exception {
        Map<String, Object> config = fx.mountConfiguration("policy", "rules",
                "rules", new String[] {"*.log:java", "logs/**:java", "*:passthrough"});
        AtomicInteger overlaysOpened = new AtomicInteger();
        FileSystemBackend counting = context -> {
            overlaysOpened.incrementAndGet();
            return new OverlayBackend().open(context);
        };
        try (TestMount mount = TestMount.mount(counting, config, DEADLINE)) {
            // Lower read-only opens: the name rule and the path rule serve two of them in Java.
            assertEquals("lower log\n", mount.io(() -> Files.readString(mount.path("app.log"))));
            assertEquals("old\n", mount.io(() -> Files.readString(mount.path("logs/old.txt"))));
            assertEquals("lower data\n", mount.io(() -> Files.readString(mount.path("data.bin"))));
            assertOpens(mount, 1, 2);

            // Opens for writing copy up; the rule still serves the .log file in Java, its writes reach us.
            mount.io(() -> Files.writeString(mount.path("app.log"), "upper log\n"));
            mount.io(() -> Files.writeString(mount.path("data.bin"), "upper data\n"));
            assertEquals("upper log\n", Files.readString(fx.upper.resolve("app.log")));
            assertEquals("upper data\n", Files.readString(fx.upper.resolve("data.bin")));
            assertTrue(mount.core().statistics().count("WRITE") > 0, "the served .log write reached the server");
            assertOpens(mount, 2, 3);

            long inode = mount.io(() -> (Long) Files.getAttribute(mount.path("data.bin"), "unix:ino"));
            reconfigure(mount, Map.of("policy", "never", "rules", new String[0]));
            assertEquals(1, overlaysOpened.get(), "the same overlay, reconfigured in place");
            assertEquals("upper data\n", mount.io(() -> Files.readString(mount.path("data.bin"))));
            assertOpens(mount, 2, 4);
            assertEquals(inode, mount.io(() -> (Long) Files.getAttribute(mount.path("data.bin"), "unix:ino")));

            reconfigure(mount, Map.of("policy", "always"));
            assertEquals("upper log\n", mount.io(() -> Files.readString(mount.path("app.log"))));
                assertOpens(mount, 3, 4);
            assertEquals(1, overlaysOpened.get());
        }
    }

    private static void assertOpens(TestMount mount, long passthrough, long served) {
        PassthroughStatistics stats = mount.core().passthrough();
        assertEquals(passthrough, stats.passthroughOpens(), "passthrough opens: " + stats);
        assertEquals(served, stats.javaServedOpens(), "Java-served opens: " + stats);
    }

    /** A configuration change as ConfigAdmin delivers it: the mount's keys with the backend's changed. */
    private static void reconfigure(TestMount mount, Map<String, Object> changes) throws Exception {
        MountConfig current = mount.core().config();
        Map<String, Object> next = new HashMap<>(current.properties());
        next.putAll(changes);
        mount.core().reconfigure(MountConfig.parse(current.name(), next), MountCore.byName("overlay"));
        assertTrue(mount.core().problem().isEmpty(), () -> "rejected: " + mount.core().problem());
    }
}
