package fuse.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Posix builds a downcall handle when its call is first made, not all of them when the class loads: building one
 * spins classes, and a start of the container uses a handful of the sixty. Checked in a fresh JVM, whose class
 * loading log shows which holder classes a single call brought in (this JVM's other tests use many calls).
 */
class LazyHandlesTest {
    /** The child JVM: one call, then exit. */
    public static final class OneCall {
        public static void main(String[] args) {
            System.out.println("uid " + Posix.getuid());
        }
    }

    @Test
    void oneCallBuildsOnlyItsOwnHandle() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xlog:class+load=info",
                "-cp", System.getProperty("java.class.path"), OneCall.class.getName())
                .redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes(); // ends when the child exits or is killed
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the child JVM did not exit");
        List<String> lines = new String(output, StandardCharsets.UTF_8).lines().toList();
        assertEquals(0, process.exitValue(), () -> String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(line -> line.startsWith("uid ")), () -> String.join("\n", lines));

        assertTrue(loaded(lines, "fuse.posix.Posix$Getuid"), "getuid's handle is built by getuid");
        assertFalse(loaded(lines, "fuse.posix.Posix$Fsync"), "fsync's handle is not built by getuid");
        assertFalse(loaded(lines, "fuse.posix.Posix$Openat"), "openat's handle is not built by getuid");
    }

    private static boolean loaded(List<String> log, String className) {
        return log.stream().anyMatch(line -> line.contains(" " + className + " source:"));
    }
}
