package fuse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container as a systemd {@code Type=notify} service: {@code READY=1} on {@code $NOTIFY_SOCKET} once the mounts
 * configured at start are up and the control socket listens, with the number of mounts; {@code STOPPING=1} when it
 * stops. Against a datagram socket this test binds, at a path and in the abstract namespace.
 */
@Timeout(120)
class NotifyTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path base;

    @Test
    void readyAfterTheMountsAndStoppingOnStop() throws Throwable {
        try (NotifySocket notify = new NotifySocket(base.resolve("notify").toString());
                Container container = Container.start(base.resolve("c"), "NOTIFY_SOCKET=" + notify.address)) {
            String ready = notify.receive(WAIT);
            assertEquals("READY=1\nSTATUS=1 mount up", ready);
            // At that moment the default mount serves and the control socket answers.
            assertTrue(Files.readString(Path.of("/proc/self/mounts")).contains(" " + container.mountpoint + " fuse.osgi "));
            Cli mounts = Cli.run(container.home, Cli.bin("fuse-osgi", "mounts"));
            assertEquals(0, mounts.status(), mounts::toString);

            container.send("stop 0");
            assertEquals("STOPPING=1\nSTATUS=stopping: unmounting every mount", notify.receive(WAIT));
            container.awaitExit(WAIT); // the launcher's own status after stop 0 is no verdict
            assertFalse(Files.readString(Path.of("/proc/self/mounts")).contains(" " + container.mountpoint + " "));
        }
    }

    @Test
    void anAbstractSocketNameWorksToo() throws Throwable {
        String name = "@fuse-osgi-notify-test-" + ProcessHandle.current().pid();
        try (NotifySocket notify = new NotifySocket(name);
                Container container = Container.start(base.resolve("c"), "NOTIFY_SOCKET=" + name)) {
            assertTrue(notify.receive(WAIT).startsWith("READY=1\n"));
        }
    }
}
