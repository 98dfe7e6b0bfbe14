package fuse.backend.local.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import fuse.mount.testing.TestMount;
import fuse.testkit.Wait;
import fuse.testkit.posix.Python;

/**
 * One user holding as many files open as it can on one {@code allow_other} mount gets EMFILE beyond the mount's
 * {@code max_open_files}, and only that mount is full: root still creates files on a second mount of the same
 * server meanwhile. Once the user's files are closed, the first mount opens again.
 */
@Timeout(60)
class OpenFilesLimitKernelTest {
    private static final int LIMIT = 8;
    private static final int ATTEMPTS = 12;
    /**
     * As the user: opens (creates) {@code ATTEMPTS} files in the directory, prints how many opened and how many
     * failed with EMFILE (any other error fails the script), then holds them until its stdin closes.
     */
    private static final String HOLDER = """
            import errno, os, sys
            held, refused = [], 0
            for i in range(int(sys.argv[2])):
                try:
                    held.append(os.open(os.path.join(sys.argv[1], "f%d" % i), os.O_CREAT | os.O_WRONLY, 0o644))
                except OSError as e:
                    if e.errno != errno.EMFILE:
                        raise
                    refused += 1
            print(len(held), refused, flush=True)
            sys.stdin.read()
            """;

    @TempDir
    Path base;

    @Test
    void aUserFillingOneMountGetsEmfileWhileAnotherMountServesRoot() throws Exception {
        Map<String, Object> options = Map.of("allow_other", true, "max_open_files", LIMIT);
        try (ContendedMounts mounts = ContendedMounts.mount(base, "never", options)) {
            TestMount full = mounts.contended;
            TestMount spare = mounts.spare;
            List<String> command = new ArrayList<>(Python.NOBODY);
            command.addAll(List.of(Python.PYTHON, "-c", HOLDER, full.path().toString(), Integer.toString(ATTEMPTS)));
            Process holder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try {
                BufferedReader out = new BufferedReader(
                        new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
                String counts = full.io(out::readLine);
                assertEquals(LIMIT + " " + (ATTEMPTS - LIMIT), counts, "opened, refused with EMFILE");

                full.io(() -> Files.writeString(spare.path("by-root"), "root"));
                assertEquals("root", Files.readString(mounts.other.resolve("by-root")),
                        "the other mount still serves");
                FileSystemException refused = assertThrows(FileSystemException.class,
                        () -> full.io(() -> Files.writeString(full.path("by-root"), "root")));
                assertEquals("Too many open files", refused.getReason(), "the full mount refuses root too");
                assertEquals(LIMIT, full.core().openFiles());
            } finally {
                holder.getOutputStream().close();
                if (!holder.waitFor(20, TimeUnit.SECONDS)) {
                    holder.destroyForcibly();
                }
            }
            assertEquals(0, holder.exitValue());
            awaitNoOpenFiles(full);
            full.io(() -> Files.writeString(full.path("after"), "again"));
        }
    }

    /** The kernel sends RELEASE after close returns, so the count drops soon after, not at once. */
    private static void awaitNoOpenFiles(TestMount mount) {
        Wait.until(Duration.ofSeconds(10), () -> "the holder's files released (" + mount.core().openFiles()
                + " open)", () -> mount.core().openFiles() == 0);
    }
}
