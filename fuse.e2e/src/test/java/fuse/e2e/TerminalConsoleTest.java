package fuse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import fuse.testkit.Wait;

/**
 * The console on a real terminal: {@code ./run} inside tmux (a pseudo-terminal, as a user's), driven with
 * send-keys and read with capture-pane. History, completion of commands, mountpoints and keys, Ctrl-C cancelling a
 * line (the mounts stay up), help, a log line printed above the line being typed, and Ctrl-D twice stopping the
 * container.
 */
@Timeout(120)
class TerminalConsoleTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path base;

    @Test
    void aRealTerminalEditsCompletesRemembersAndStopsOnlyWhenAsked() throws Exception {
        Path home = Files.createDirectories(base.resolve("home"));
        Path source = Files.createDirectories(base.resolve("source"));
        Path mountpoint = base.resolve("mnt");
        Files.writeString(source.resolve("hello.txt"), "hello");
        try (Tmux tmux = Tmux.start(base, "env", "FUSE_HOME=" + home, "FUSE_SOURCE=" + source,
                "FUSE_MOUNTPOINT=" + mountpoint, "FUSE_NO_BUILD=1", Container.PROJECT.resolve("run").toString())) {
            tmux.await(screen -> screen.contains("g! "), "the prompt");
            Wait.until(WAIT, "the default mount", () -> Io.mountsAt(mountpoint).size() == 1);

            // Completion of a command name: two candidates, listed.
            tmux.keys("fuse:mou", "Tab");
            tmux.await(screen -> screen.contains("fuse:mounts") && screen.contains("fuse:mount "), "candidates");
            tmux.keys("s", "Enter");
            // Keys go on only at a fresh prompt: typed while a command still runs, they may be lost.
            tmux.await(screen -> screen.contains("SERVING") && lastLine(screen).equals("g!"), "fuse:mounts' table");

            // History: Up recalls fuse:mounts, which runs again.
            tmux.keys("Up");
            tmux.await(screen -> lastLine(screen).equals("g! fuse:mounts"), "the recalled line");
            tmux.keys("Enter");
            tmux.await(screen -> count(screen, "CONFIGURATION") == 2 && lastLine(screen).equals("g!"),
                    "the second run");

            // Completion of a live mountpoint, then Ctrl-C drops the line: nothing is unmounted.
            tmux.keys("fuse:unmount ", "Tab");
            tmux.await(screen -> lastLine(screen).equals("g! fuse:unmount " + mountpoint), "the mountpoint");
            tmux.keys("C-c");
            tmux.await(screen -> lastLine(screen).equals("g!"), "a fresh prompt");
            assertEquals("hello", Io.read(mountpoint.resolve("hello.txt")), "the mount after Ctrl-C");

            // Completion of a key, from the local backend's Metatype.
            tmux.keys("fuse:mount /x local po", "Tab");
            tmux.await(screen -> lastLine(screen).equals("g! fuse:mount /x local policy="), "the key");
            // A log line (a broken .cfg: ERROR) goes above the line being typed, which stays as it was.
            Files.writeString(home.resolve("load/broken.cfg"), "answer=\\u12zz\n");
            tmux.await(screen -> screen.contains("broken.cfg")
                    && lastLine(screen).equals("g! fuse:mount /x local policy="), "the log line above the prompt");
            Files.delete(home.resolve("load/broken.cfg"));
            tmux.keys("C-c"); // a signal (ISIG): wait for it before typing on
            tmux.await(screen -> lastLine(screen).equals("g!"), "a fresh prompt");

            // Help lists the keys.
            tmux.keys("fuse:mount --help", "Enter");
            tmux.await(screen -> screen.contains("keys of backend local:") && screen.contains("root=<text>")
                    && lastLine(screen).equals("g!"), "help");

            // Ctrl-D once warns, twice stops the container, which unmounts and says so.
            tmux.keys("C-d");
            tmux.await(screen -> screen.contains("Ctrl-D again stops the container"), "the warning");
            assertEquals(1, Io.mountsAt(mountpoint).size(), "one Ctrl-D stops nothing");
            tmux.keys("C-d");
            tmux.await(screen -> screen.contains("the framework is stopping; unmounting")
                    && screen.contains("[exited "), "the stop");
            assertTrue(Io.mountsAt(mountpoint).isEmpty(), "unmounted");
            String log = Files.readString(home.resolve("runtime/log/fuse.log"));
            assertTrue(log.contains("mount " + mountpoint + ": unmounted"), "the stop lines in the log file");
            List<String> history = Files.readAllLines(home.resolve("runtime/console-history"));
            assertTrue(history.stream().anyMatch(line -> line.endsWith("fuse:mount --help")), history::toString);
            assertFalse(history.stream().anyMatch(line -> line.contains("fuse:unmount")), "a cancelled line");
        } finally {
            Container.cleanupMounts(base);
        }
    }

    private static String lastLine(String screen) {
        List<String> lines = screen.lines().map(String::stripTrailing).filter(l -> !l.isEmpty()).toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    private static int count(String screen, String text) {
        return screen.split(java.util.regex.Pattern.quote(text), -1).length - 1;
    }

    /** One tmux server of its own (its own socket), one window running the command; killed on close. */
    private record Tmux(String socket) implements AutoCloseable {
        static Tmux start(Path base, String... command) throws Exception {
            Tmux tmux = new Tmux("fuse-e2e-" + ProcessHandle.current().pid() + "-" + base.getFileName());
            List<String> line = new ArrayList<>(List.of("new-session", "-d", "-x", "200", "-y", "50"));
            // The pane stays after the command ends, marked "[exited N]", so its last lines can be read.
            line.addAll(List.of("bash", "-c", "\"$@\"; echo \"[exited $?]\"; sleep 60", "run"));
            line.addAll(List.of(command));
            tmux.run(line.toArray(String[]::new));
            return tmux;
        }

        void keys(String... keys) throws Exception {
            List<String> line = new ArrayList<>(List.of("send-keys", "-t", "0"));
            line.addAll(List.of(keys));
            run(line.toArray(String[]::new));
        }

        String screen() throws Exception {
            return run("capture-pane", "-p", "-J", "-S", "-200", "-t", "0");
        }

        void await(Predicate<String> condition, String what) {
            String[] screen = {""};
            Wait.until(WAIT, () -> what + " on the terminal; last screen:\n" + screen[0], () -> {
                screen[0] = screen();
                return condition.test(screen[0]);
            });
        }

        String run(String... arguments) throws Exception {
            List<String> line = new ArrayList<>(List.of("tmux", "-L", socket));
            line.addAll(List.of(arguments));
            Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException(String.join(" ", line) + " failed: " + new String(out, StandardCharsets.UTF_8));
            }
            return new String(out, StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws Exception {
            try {
                run("kill-server"); // ends ./run with SIGHUP if it still runs: the container stops, unmounting
            } catch (IOException e) {
                // already gone
            }
        }
    }
}
