package fuse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import fuse.testkit.Wait;

/**
 * The project's hot-swap promise under load: while another process reads and writes passed-through and
 * Java-served files and creates, renames and removes names on a mount for at least 20 seconds, the mount is
 * swapped between the {@code local} and {@code audit} backends 20 times and the audit bundle is updated 5 times.
 * No call of the load may fail, no backing id may outlive the load, and every byte must be where the load put it.
 * The longest stall each swap caused is measured and reported (written to {@code target/swap-stalls.txt}), not
 * asserted.
 */
class SwapUnderLoadTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long MIN_LOAD_NANOS = TimeUnit.SECONDS.toNanos(22);

    @TempDir
    Path base;

    private record Window(String what, long start, long end) {
    }

    /** On each transport: /dev/fuse, and FUSE over io_uring (which .ci/run turns on). */
    @ParameterizedTest
    @ValueSource(strings = {"device", "uring"})
    @Timeout(420)
    void swapsAndUpdatesUnderLoadFailNoCallLeakNoIdAndLoseNoData(String transport) throws Exception {
        try (Container container = Container.start(base)) {
            container.awaitLine(line -> line.contains("Welcome to Apache Felix Gogo"));
            Shell shell = new Shell(container);
            shell.awaitServing(container.mountpoint, WAIT);
            Path jar = container.home.resolve("load/fuse.backend.audit.jar");
            int version = 1;
            AuditJar.deploy(jar, version);
            shell.awaitOutput("fuse:backends", "fuse.backend.audit", WAIT);

            Path mountpoint = Files.createDirectories(base.resolve("loaded"));
            Path data = Files.createDirectories(base.resolve("loaded-data"));
            Path control = Files.createDirectories(base.resolve("control"));
            // *.log is served in Java by both backends (local: the rule; audit: its default glob), the rest passes
            // through; audit is writable so that the load's writes and renames work on either backend. A swap keeps
            // only the new backend's settings (and the mount's: transport), so each swap names that backend's own.
            String local = "local policy=rules 'rules=*.log:java'";
            String audit = "audit writable=true";
            String out = shell.run("fuse:mount " + mountpoint + " " + local + " root=" + data + " transport="
                    + transport);
            assertTrue(out.contains("mounted " + mountpoint), out);
            assertTrue(out.contains(" " + transport + ", passthrough"), "the mount says its transport: " + out);
            Files.createDirectories(data.resolve("work"));

            Path report = base.resolve("load-report.txt");
            Process load = startLoad(mountpoint.resolve("work"), report, control);
            List<Window> windows = new ArrayList<>();
            long loadStart;
            try {
                Wait.until(Duration.ofSeconds(60), "the load to start",
                        () -> Files.exists(control.resolve("started")) || !load.isAlive());
                assertTrue(load.isAlive(), "the load died while preparing its files");
                loadStart = System.nanoTime();
                Thread.sleep(1000);
                int updates = 0;
                for (int i = 0; i < 20; i++) {
                    String backend = i % 2 == 0 ? "audit" : "local";
                    long start = System.nanoTime();
                    String swapped = shell.run("fuse:swap " + mountpoint + " " + (i % 2 == 0 ? audit : local));
                    windows.add(new Window("swap to " + backend, start, System.nanoTime()));
                    assertTrue(swapped.contains("swapped " + mountpoint), swapped);
                    Thread.sleep(300);
                    if (backend.equals("audit") && i % 4 == 0 && updates < 5) {
                        version++;
                        start = System.nanoTime();
                        AuditJar.deploy(jar, version);
                        awaitServedBy(shell, mountpoint, "0.1." + version);
                        windows.add(new Window("update audit to 0.1." + version, start, System.nanoTime()));
                        updates++;
                        Thread.sleep(300);
                    }
                    assertTrue(load.isAlive(), "the load died");
                }
                assertEquals(5, updates);
                long left = MIN_LOAD_NANOS - (System.nanoTime() - loadStart);
                if (left > 0) {
                    Thread.sleep(TimeUnit.NANOSECONDS.toMillis(left));
                }
            } finally {
                Files.writeString(control.resolve("stop"), "");
                if (!load.waitFor(90, TimeUnit.SECONDS)) {
                    load.destroyForcibly();
                }
            }
            long loadSeconds = (System.nanoTime() - loadStart) / 1_000_000_000;
            assertEquals(0, load.exitValue(), "the load generator failed");

            List<String> lines = Files.readAllLines(report);
            long failures = Long.parseLong(value(lines, "failures"));
            String stalls = stallReport(lines, windows, loadSeconds, Long.parseLong(value(lines, "ops")))
                    + serverReport(container.outputSoFar(), mountpoint);
            System.out.println(stalls);
            Files.writeString(Container.PROJECT.resolve("fuse.e2e/target/swap-stalls"
                    + (transport.equals("device") ? "" : "-" + transport) + ".txt"), stalls);
            assertEquals(0, failures, () -> "failed calls:\n" + String.join("\n",
                    lines.stream().filter(l -> l.startsWith("failure=")).toList()));

            for (String line : lines) {
                if (line.startsWith("checksum=")) {
                    String[] parts = line.substring(9).split(" ");
                    assertEquals(parts[1], sha256(data.resolve("work").resolve(parts[0])), parts[0]
                            + ": the backing file differs from what the load wrote");
                }
            }
            assertEquals(4, lines.stream().filter(l -> l.startsWith("checksum=")).count());

            shell.awaitOutput("fuse:backing " + mountpoint, mountpoint + ": 0 backing ids", WAIT);
            String stats = shell.run("fuse:stats " + mountpoint);
            assertTrue(stats.matches("(?s).*backing ids: 0 live, (\\d+) opened, \\1 closed.*"), stats);
            assertTrue(stats.contains(" 0 internal errors"), stats);
        }
    }

    private static Process startLoad(Path dir, Path report, Path control) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classes = Path.of(LoadGenerator.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
        return new ProcessBuilder(java, "-cp", classes, LoadGenerator.class.getName(), dir.toString(),
                report.toString(), control.toString()).redirectErrorStream(true)
                .redirectOutput(control.resolve("load.out").toFile()).start();
    }

    /** Waits until the mount is served by the audit backend of {@code version}. */
    private static void awaitServedBy(Shell shell, Path mountpoint, String version) {
        String[] backends = {""};
        Wait.until(WAIT, () -> "audit " + version + " serving " + mountpoint + ":\n" + backends[0], () -> {
            backends[0] = shell.run("fuse:backends");
            boolean served = backends[0].lines().anyMatch(l -> l.startsWith("audit ")
                    && l.contains(" " + version + " ") && l.contains(mountpoint.toString()));
            return served && shell.mountLine(mountpoint).orElse("").contains(" SERVING ");
        });
    }

    private static String value(List<String> lines, String key) {
        return lines.stream().filter(l -> l.startsWith(key + "=")).findFirst().orElseThrow().substring(key.length()
                + 1);
    }

    /** The longest call of the load that overlapped each swap or update: the stall that step caused at most. */
    private static String stallReport(List<String> lines, List<Window> windows, long seconds, long ops) {
        List<long[]> slow = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("slow=")) {
                String[] parts = line.substring(5).split(" ");
                slow.add(new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])});
            }
        }
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "load: %d calls in %d s, %d slower than 2 ms%n", ops, seconds, slow.size()));
        List<Double> swapStalls = new ArrayList<>();
        List<Double> updateStalls = new ArrayList<>();
        for (Window window : windows) {
            long longest = slow.stream().filter(s -> s[0] < window.end() && s[0] + s[1] > window.start())
                    .mapToLong(s -> s[1]).max().orElse(0);
            double ms = longest / 1e6;
            (window.what().startsWith("swap") ? swapStalls : updateStalls).add(ms);
            out.append(String.format(Locale.ROOT, "%-24s command %7.1f ms, longest overlapping call %7.1f ms%n",
                    window.what(), (window.end() - window.start()) / 1e6, ms));
        }
        out.append(summary("load: longest call per swap", swapStalls))
                .append(summary("load: longest call per update", updateStalls));
        long quiet = slow.stream().filter(s -> windows.stream().noneMatch(w -> s[0] < w.end()
                && s[0] + s[1] > w.start())).mapToLong(s -> s[1]).max().orElse(0);
        out.append(String.format(Locale.ROOT, "baseline: longest call outside every swap and update %.1f ms "
                + "(the machine's own noise)%n", quiet / 1e6));
        return out.toString();
    }

    /**
     * What the mount itself logged: how long each swap held new requests back, and for bundle updates how long
     * the mount was without a backend (the old version gone, the new one not yet registered).
     */
    private static String serverReport(String output, Path mountpoint) {
        List<Double> held = new ArrayList<>();
        List<Double> without = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("mount " + java.util.regex.Pattern.quote(
                mountpoint.toString()) + ": now served by .*new requests held ([\\d.]+) ms"
                + "(?: \\(without a backend for ([\\d.]+) ms\\))?").matcher(output);
        while (m.find()) {
            if (m.group(2) != null) {
                without.add(Double.parseDouble(m.group(2)));
            } else {
                held.add(Double.parseDouble(m.group(1)));
            }
        }
        return summary("server: swaps holding new requests", held)
                + summary("server: updates without a backend", without);
    }

    private static String summary(String what, List<Double> stalls) {
        List<Double> sorted = stalls.stream().sorted().toList();
        return sorted.isEmpty() ? "" : String.format(Locale.ROOT,
                "%s: %d, median %.1f ms, max %.1f ms%n", what,
                sorted.size(), sorted.get(sorted.size() / 2), sorted.getLast());
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest sha = LoadGenerator.sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
