package fuse.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import fuse.testkit.Wait;

/**
 * The container as a user starts it: {@code ./run} in a fresh home directory, with its Gogo console on a pipe.
 * Every wait is bounded; {@link #close()} stops it ({@code stop 0}, then SIGTERM, then SIGKILL) and cleans up any
 * FUSE mount left under the home directory.
 */
final class Container implements AutoCloseable {
    static final Path PROJECT = Path.of(System.getProperty("fuse.project.dir", "..")).toAbsolutePath().normalize();
    private static final Duration DEFAULT_WAIT = Duration.ofSeconds(20);
    /** An environment assignment that shows INFO log lines on the console too (by default: WARN and up). */
    static final String INFO_ON_CONSOLE = "FUSE_JAVA_OPTS=-Dfuse.console.level=INFO";

    final Path home;
    final Path source;
    final Path mountpoint;
    private final Process process;
    private final Writer console;
    private final List<String> output = new ArrayList<>();
    private final AtomicInteger markers = new AtomicInteger();

    private Container(Path home, Path source, Path mountpoint, Process process) {
        this.home = home;
        this.source = source;
        this.mountpoint = mountpoint;
        this.process = process;
        this.console = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        pump(process.getInputStream(), "out");
        pump(process.getErrorStream(), "err");
    }

    /** Starts {@code ./run} with a fresh home, source and mountpoint under {@code base}. */
    static Container start(Path base, String... extraEnv) throws IOException {
        return startAs(base, List.of(), extraEnv);
    }

    /**
     * Starts {@code ./run} through {@code launcher} (e.g. {@code setpriv --reuid=...}: another user), with a fresh
     * home, source and mountpoint under {@code base}, which must exist and be that user's.
     */
    static Container startAs(Path base, List<String> launcher, String... extraEnv) throws IOException {
        Path home = Files.createDirectories(base.resolve("home"));
        Path source = Files.createDirectories(base.resolve("source"));
        Path mountpoint = base.resolve("mnt");
        List<String> command = new ArrayList<>(launcher);
        command.add(PROJECT.resolve("run").toString());
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("FUSE_HOME", home.toString());
        builder.environment().put("FUSE_SOURCE", source.toString());
        builder.environment().put("FUSE_MOUNTPOINT", mountpoint.toString());
        builder.environment().put("FUSE_NO_BUILD", "1");
        for (String assignment : extraEnv) {
            int eq = assignment.indexOf('=');
            builder.environment().put(assignment.substring(0, eq), assignment.substring(eq + 1));
        }
        return new Container(home, source, mountpoint, builder.start());
    }

    private void pump(InputStream stream, String name) {
        Thread.ofPlatform().daemon().name("container-" + name).start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    synchronized (output) {
                        output.add(line);
                        output.notifyAll();
                    }
                }
            } catch (IOException e) {
                // the process is gone; what it printed is kept
            }
        });
    }

    /** Runs one Gogo command and answers the lines it printed (bounded wait). */
    String command(String command) throws IOException, InterruptedException {
        String marker = "__done_" + markers.incrementAndGet() + "__";
        int from = lineCount();
        send(command);
        send("echo " + marker);
        awaitLine(from, line -> line.contains(marker) && !line.contains("echo " + marker), DEFAULT_WAIT);
        StringBuilder printed = new StringBuilder();
        synchronized (output) {
            for (String line : output.subList(from, output.size())) {
                if (line.contains(marker)) {
                    break;
                }
                printed.append(line).append('\n');
            }
        }
        return printed.toString();
    }

    void send(String line) throws IOException {
        console.write(line + "\n");
        console.flush();
    }

    int lineCount() {
        synchronized (output) {
            return output.size();
        }
    }

    /** Waits until a line at or after {@code from} matches; answers it. */
    String awaitLine(int from, Predicate<String> matcher, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (output) {
            int next = from;
            while (true) {
                for (; next < output.size(); next++) {
                    if (matcher.test(output.get(next))) {
                        return output.get(next);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("timed out after " + timeout + " waiting for a matching line; output:\n"
                            + String.join("\n", output));
                }
                TimeUnit.NANOSECONDS.timedWait(output, left);
            }
        }
    }

    String awaitLine(Predicate<String> matcher) throws InterruptedException {
        return awaitLine(0, matcher, DEFAULT_WAIT);
    }

    /** Waits until the log file ({@code runtime/log/fuse.log}: INFO and above) has a matching line; answers it. */
    String awaitLogLine(Predicate<String> matcher) {
        Path log = home.resolve("runtime/log/fuse.log");
        String[] found = {null};
        Wait.until(DEFAULT_WAIT, "a matching line in " + log, () -> {
            try (var lines = Files.lines(log)) {
                found[0] = lines.filter(matcher).findFirst().orElse(null);
            }
            return found[0] != null;
        });
        return found[0];
    }

    String outputSoFar() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    Process process() {
        return process;
    }

    /** Waits for the process to exit by itself; answers its exit code. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("container still running after " + timeout + "; output:\n" + outputSoFar());
        }
        return process.exitValue();
    }

    @Override
    public void close() throws Exception {
        try {
            if (process.isAlive()) {
                try {
                    send("stop 0");
                } catch (IOException e) {
                    // console already closed
                }
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroy);
                    process.destroy();
                    if (!process.waitFor(10, TimeUnit.SECONDS)) {
                        process.descendants().forEach(ProcessHandle::destroyForcibly);
                        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                }
            }
        } finally {
            cleanupMounts(home.getParent());
        }
    }

    /** The project's one mount-cleanup routine, for every FUSE mount under {@code base}. */
    static void cleanupMounts(Path base) throws IOException, InterruptedException {
        Process cleanup = new ProcessBuilder("bash", PROJECT.resolve("build/cleanup-mounts.sh").toString(),
                "^" + base.toAbsolutePath() + "/").inheritIO().start();
        if (!cleanup.waitFor(30, TimeUnit.SECONDS)) {
            cleanup.destroyForcibly();
        }
    }
}
