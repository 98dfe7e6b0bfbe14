package fuse.control.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client's answers that need no container: usage, and no container on the socket. */
class ControlClientTest {
    @TempDir
    Path home;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return ControlClient.run(args, home.resolve("control.sock"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void badUsageIsOneLineAndStatusTwo() {
        assertEquals(ControlClient.EXIT_USAGE, run());
        assertEquals(ControlClient.EXIT_USAGE, run("lb"));
        assertEquals(2, err().lines().count(), err());
        assertTrue(err().contains("unknown command 'lb'"), err());
    }

    @Test
    void helpListsTheCommands() {
        assertEquals(0, run("help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("backends|backing|mount|mounts|policy|stats|swap|unmount"));
    }

    @Test
    void noContainerIsStatusThree() {
        assertEquals(ControlClient.EXIT_UNREACHABLE, run("mounts"));
        assertTrue(err().startsWith("fuse-osgi: no container is running"), err());
    }

    @Test
    void aFailureMessageBecomesOneLine() {
        assertEquals("fuse:swap: missing backend; usage: fuse:swap <mountpoint>",
                ControlProtocol.oneLine(new RuntimeException("fuse:swap: missing backend\nusage: fuse:swap <mountpoint>\n")));
        assertEquals("failed (IllegalStateException)", ControlProtocol.oneLine(new IllegalStateException()));
    }
}
