package fuse.e2e;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import fuse.testkit.Wait;

/** Every {@code fuse:*} command through the container's Gogo console, against real mounts. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class ShellTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path base;

    private Container container;
    private Shell shell;
    private final AtomicInteger names = new AtomicInteger();

    @BeforeAll
    void start() throws Exception {
        container = Container.start(base);
        container.awaitLine(line -> line.contains("Welcome to Apache Felix Gogo"));
        shell = new Shell(container);
        shell.awaitServing(container.mountpoint, WAIT);
    }

    @AfterAll
    void stop() throws Exception {
        if (container != null) {
            container.close();
        }
    }

    /** A fresh mountpoint and a data directory holding {@code files} (name, content pairs). */
    private Path[] fresh(String... files) throws Exception {
        int n = names.incrementAndGet();
        Path mountpoint = Files.createDirectories(base.resolve("mnt-" + n));
        Path data = Files.createDirectories(base.resolve("data-" + n));
        for (int i = 0; i < files.length; i += 2) {
            Files.writeString(data.resolve(files[i]), files[i + 1]);
        }
        return new Path[] {mountpoint, data};
    }

    @Test
    void mountsListsTheDefaultMount() throws Exception {
        String line = shell.mountLine(container.mountpoint).orElseThrow();
        // The transport: io_uring where the kernel offers it (auto, the default), else /dev/fuse.
        assertTrue(line.matches(".* local +SERVING +\\d+ +7\\.\\d+ (uring|device) +on +\\d+ +fuse\\.mount~default"),
                line);
        assertTrue(shell.run("fuse:mounts").contains("MOUNTPOINT"), "header missing");
    }

    @Test
    void backendsNameBundleVersionAndTheMountsTheyServe() throws Exception {
        String out = shell.run("fuse:backends");
        String line = out.lines().filter(l -> l.contains("fuse.backend.local")).findFirst().orElseThrow(
                () -> new AssertionError(out));
        assertTrue(line.contains("local") && line.contains("0.1.0") && line.contains(container.mountpoint.toString()),
                line);
    }

    @Test
    void mountServesTheDirectoryAndUnmountRemovesIt() throws Exception {
        Path[] m = fresh("hello.txt", "hello through the mount");
        String out = shell.run("fuse:mount " + m[0] + " local root=" + m[1]);
        assertTrue(out.contains("mounted " + m[0]) && out.contains("backend local"), out);
        assertEquals("hello through the mount", Io.read(m[0].resolve("hello.txt")));
        assertEquals(1, Io.mountsAt(m[0]).size());
        shell.awaitServing(m[0], WAIT);

        out = shell.run("fuse:unmount " + m[0]);
        assertTrue(out.contains("unmounted " + m[0]), out);
        assertTrue(Io.mountsAt(m[0]).isEmpty(), "still mounted");
        assertTrue(shell.mountLine(m[0]).isEmpty(), "still listed");
    }

    /** An unmount from outside shows as such, and fuse:mount brings the mount back (issue 23). */
    @Test
    void aMountTakenAwayFromOutsideIsReportedAndMountsAgain() throws Exception {
        Path[] m = fresh("f.txt", "back again");
        shell.run("fuse:mount " + m[0] + " local root=" + m[1]);
        shell.awaitServing(m[0], WAIT);
        Process umount = new ProcessBuilder("umount", "-l", m[0].toString()).inheritIO().start();
        assertTrue(umount.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && umount.exitValue() == 0, "umount -l");
        String mounts = shell.awaitOutput("fuse:mounts", m[0] + ": unmounted from outside", WAIT);
        assertTrue(shell.mountLine(m[0]).orElseThrow().contains(" UNMOUNTED "), mounts);

        String out = shell.run("fuse:mount " + m[0] + " local root=" + m[1]);
        assertTrue(out.contains("mounted " + m[0] + " again"), out);
        shell.awaitServing(m[0], WAIT);
        assertEquals("back again", Io.read(m[0].resolve("f.txt")));
        out = shell.run("fuse:unmount " + m[0]);
        assertTrue(out.contains("unmounted " + m[0]), out);
        assertTrue(Io.mountsAt(m[0]).isEmpty(), "still mounted");
    }

    @Test
    void mountTypesItsSettings() throws Exception {
        Path[] m = fresh("a", "a");
        String out = shell.run("fuse:mount " + m[0] + " local root=" + m[1]
                + " threads=1 entry_timeout=0.5 passthrough=false");
        assertTrue(out.contains("passthrough off"), out);
        assertTrue(shell.awaitServing(m[0], WAIT).contains(" off"));
        shell.run("fuse:unmount " + m[0]);
    }

    @Test
    void theWritebackCacheShowsAsWhyPassthroughIsOff() throws Exception {
        Path[] m = fresh("a", "a");
        String out = shell.run("fuse:mount " + m[0] + " local root=" + m[1]
                + " passthrough=false writeback_cache=true");
        assertTrue(out.contains("passthrough off (writeback cache)"), out);
        Io.write(m[0].resolve("log"), "one\n");
        assertEquals("one\n", Io.read(m[1].resolve("log")), "written back by the time close returns");
        shell.run("fuse:unmount " + m[0]);
    }

    @Test
    void badArgumentsGiveOneClearMessageAndTheUsage() throws Exception {
        Path[] m = fresh();
        String dflt = container.mountpoint.toString();
        List<Executable> checks = new ArrayList<>();
        record Case(String command, String message, boolean usage) {
        }
        List<Case> cases = List.of(
                new Case("fuse:mount", "fuse:mount: missing <mountpoint> and <backend>", true),
                new Case("fuse:mount " + m[0], "fuse:mount: missing <backend>", true),
                new Case("fuse:mount relative local", "fuse:mount: the mountpoint must be an absolute path, got "
                        + "'relative'", true),
                new Case("fuse:mount " + base.resolve("nope") + " local root=/x", "fuse:mount: "
                        + base.resolve("nope") + ": does not exist", false),
                new Case("fuse:mount " + m[0] + " local threads=many", "fuse:mount: threads: expected a whole "
                        + "number, got 'many'", true),
                new Case("fuse:mount " + m[0] + " local root", "fuse:mount: expected key=value, got 'root'", true),
                new Case("fuse:mount " + m[0] + " local mountpoint=/y", "fuse:mount: mountpoint is an argument of "
                        + "its own", true),
                new Case("fuse:mount " + m[0] + " root=" + m[1], "fuse:mount: <backend> comes before the "
                        + "key=value settings", true),
                new Case("fuse:mount " + dflt + " local root=" + m[1], "fuse:mount: " + dflt + " is already "
                        + "mounted", false),
                new Case("fuse:mount " + m[0] + " local root=" + base.resolve("missing"), "fuse:mount: " + m[0]
                        + " not mounted: backend local: root: " + base.resolve("missing") + " does not exist "
                        + "(nothing saved)", false),
                new Case("fuse:mount " + m[0] + " nosuch root=" + m[1], "fuse:mount: no backend named 'nosuch' is "
                        + "registered (fuse:backends lists them); nothing saved", false),
                new Case("fuse:", "fuse:: no such command (help lists them", false),
                new Case("fuse:mount " + m[0] + " local root=" + m[1] + " writeback_cache=true", "writeback_cache: "
                        + "the kernel turns passthrough off for a mount with the writeback cache; set "
                        + "passthrough=false to use it", false),
                new Case("fuse:unmount", "fuse:unmount: missing <mountpoint>", true),
                new Case("fuse:unmount /nowhere", "fuse:unmount: no mount at /nowhere", false),
                new Case("fuse:swap", "fuse:swap: missing <mountpoint> and <backend>", true),
                new Case("fuse:swap " + dflt, "fuse:swap: missing <backend>", true),
                new Case("fuse:swap " + dflt + " nosuch", "fuse:swap: no backend named 'nosuch' is registered", false),
                new Case("fuse:swap /nowhere local", "fuse:swap: no mount at /nowhere", false),
                new Case("fuse:policy", "fuse:policy: missing <mountpoint>", true),
                new Case("fuse:policy " + dflt + " sometimes", "fuse:policy: policy must be always, never or rules, "
                        + "got 'sometimes'", true),
                new Case("fuse:policy " + dflt + " always x", "fuse:policy: rules go with policy rules only", true),
                new Case("fuse:policy /nowhere", "fuse:policy: no mount at /nowhere", false),
                new Case("fuse:stats a b", "fuse:stats: takes at most one mountpoint", true),
                new Case("fuse:stats relative", "fuse:stats: the mountpoint must be an absolute path", true),
                new Case("fuse:backing /nowhere", "fuse:backing: no mount at /nowhere", false),
                new Case("fuse:mounts extra", "fuse:mounts: takes no arguments", true),
                new Case("fuse:backends extra", "fuse:backends: takes no arguments", true));
        for (Case c : cases) {
            String out = shell.run(c.command());
            checks.add(() -> {
                assertTrue(out.contains(c.message()), () -> c.command() + " printed:\n" + out);
                assertEquals(c.usage(), out.contains("usage: fuse:"), () -> c.command() + " usage line:\n" + out);
                assertFalse(out.contains("Exception") || out.contains("\tat ") || out.matches("(?s).*\\n\\s+at .*"),
                        () -> c.command() + " printed a trace:\n" + out);
            });
        }
        assertAll(checks);
        assertTrue(shell.mountLine(m[0]).isEmpty(), "a failed mount left a configuration behind");
        assertTrue(Io.mountsAt(m[0]).isEmpty(), "a failed mount left a mount behind");
    }

    @Test
    void swapMovesALiveMountAndIsSaved() throws Exception {
        Path[] m = fresh("data.txt", "0123456789");
        shell.run("fuse:mount " + m[0] + " local root=" + m[1]);
        try (FileChannel open = Io.call(() -> FileChannel.open(m[0].resolve("data.txt")))) {
            String out = shell.run("fuse:swap " + m[0] + " local");
            assertTrue(out.contains("swapped " + m[0] + " to a fresh file system of backend local"), out);
            out = shell.run("fuse:swap " + m[0] + " local policy=never");
            assertTrue(out.contains("saved; backend local of " + m[0] + " applied the settings live"), out);
            ByteBuffer buffer = ByteBuffer.allocate(10);
            assertEquals(10, (int) Io.call(() -> open.read(buffer, 0)), "a file opened before the swaps");
        }
        assertEquals("0123456789", Io.read(m[0].resolve("data.txt")));
        assertTrue(shell.run("fuse:policy " + m[0]).contains("policy never"), "the swap's setting was not saved");
        assertTrue(shell.run("fuse:stats " + m[0]).contains(" 1 swaps"), shell.run("fuse:stats " + m[0]));
        shell.run("fuse:unmount " + m[0]);
    }

    @Test
    void policyIsShownSetLiveAndARejectedChangeIsUndone() throws Exception {
        Path[] m = fresh("a.log", "log line", "b.bin", "binary");
        shell.run("fuse:mount " + m[0] + " local root=" + m[1]);
        assertTrue(shell.run("fuse:policy " + m[0]).contains(m[0] + ": policy always (default)"));

        String out = shell.run("fuse:policy " + m[0] + " rules '*.log:java' 'size>1M:passthrough'");
        assertTrue(out.contains("policy rules (2 rules), applies to new opens"), out);
        out = shell.run("fuse:policy " + m[0]);
        assertTrue(out.contains("policy rules") && out.contains("1. *.log:java")
                && out.contains("2. size>1M:passthrough"), out);
        assertEquals("log line", Io.read(m[0].resolve("a.log")));
        assertEquals("binary", Io.read(m[0].resolve("b.bin")));
        out = shell.run("fuse:stats " + m[0]);
        assertTrue(out.contains("opens: 1 passed through, 1 served in Java"), out);

        out = shell.run("fuse:policy " + m[0] + " never");
        assertTrue(out.contains("policy never"), out);
        out = shell.run("fuse:swap " + m[0] + " local policy=bogus");
        assertTrue(out.contains("policy: expected always, never or rules, got 'bogus'; the change was undone"), out);
        // Said once on the console (the command's answer, not also the mount's log line); the log file keeps it.
        container.awaitLogLine(line -> line.contains("got 'bogus'") && line.contains("rejected"));
        String problem = "expected always, never or rules, got 'bogus'";
        assertEquals(1, container.outputSoFar().lines().filter(line -> line.contains(problem)).count(),
                container.outputSoFar());
        assertTrue(shell.run("fuse:policy " + m[0]).contains("policy never"), "the rejected change stayed");
        shell.run("fuse:unmount " + m[0]);
    }

    @Test
    void statsCountRequestsPerOperationWithLatencies() throws Exception {
        Files.writeString(container.source.resolve("stats.txt"), "counted");
        assertEquals("counted", Io.read(container.mountpoint.resolve("stats.txt")));
        String out = shell.run("fuse:stats " + container.mountpoint);
        assertTrue(out.contains(container.mountpoint + " (local, SERVING): "), out);
        assertTrue(out.matches("(?s).*OPERATION +COUNT +ERRORS +MEAN +P50 +P90 +P99 +MAX.*"), out);
        String duration = " +[\\d.]+[nmu]?s";
        assertTrue(out.matches("(?s).*\\nLOOKUP +\\d+ +\\d+" + duration.repeat(5) + "\\n.*"), out);
        assertTrue(out.contains("OPEN"), out);
        assertTrue(out.contains("fallbacks: none"), out);
        assertTrue(shell.run("fuse:stats").contains(container.mountpoint + " (local, SERVING)"));
    }

    @Test
    void backingListsTheLiveIdsOfOpenFiles() throws Exception {
        Path[] m = fresh("big.bin", "x".repeat(4096));
        shell.run("fuse:mount " + m[0] + " local root=" + m[1]);
        try (FileChannel open = Io.call(() -> FileChannel.open(m[0].resolve("big.bin"), StandardOpenOption.READ))) {
            String out = shell.run("fuse:backing " + m[0]);
            assertTrue(out.contains(m[0] + ": 1 backing id"), out);
            assertTrue(out.matches("(?s).*\\n +\\d+ +\\d+ +\\d+ +1 +1 +0 +/big\\.bin.*"), out);
            assertTrue(shell.run("fuse:backing").contains(m[0] + ": 1 backing id"));
        }
        shell.awaitOutput("fuse:backing " + m[0], m[0] + ": 0 backing ids", WAIT);
        shell.run("fuse:unmount " + m[0]);
    }

    @Test
    void cfgFilesInLoadCreateChangeAndDeleteMounts() throws Exception {
        Path[] m = fresh("f.txt", "from a cfg file");
        Path cfg = container.home.resolve("load/fuse.mount-e2e.cfg");
        writeCfg(cfg, "mountpoint=" + m[0] + "\nbackend=local\nroot=" + m[1] + "\n");
        shell.awaitServing(m[0], WAIT);
        assertEquals("from a cfg file", Io.read(m[0].resolve("f.txt")));

        writeCfg(cfg, "mountpoint=" + m[0] + "\nbackend=local\nroot=" + m[1] + "\npolicy=never\n");
        shell.awaitOutput("fuse:policy " + m[0], "policy never", WAIT);
        assertEquals(1, Io.mountsAt(m[0]).size(), "a live change must not remount");

        Files.delete(cfg);
        shell.awaitGone(m[0], WAIT);
        Wait.until(WAIT, "the unmount", () -> Io.mountsAt(m[0]).isEmpty());

        // Commands change a mount from load/ through its file, and fuse:unmount deletes it (else FileInstall would
        // bring the mount back).
        writeCfg(cfg, "# made by the test\nmountpoint=" + m[0] + "\nbackend=local\nroot=" + m[1] + "\n");
        shell.awaitServing(m[0], WAIT);
        String policy = shell.run("fuse:policy " + m[0] + " rules '*.txt:java'");
        assertTrue(policy.contains("policy rules (1 rules)"), policy);
        assertEquals("# made by the test\nmountpoint=" + m[0] + "\nbackend=local\nroot=" + m[1]
                + "\npolicy=rules\nrules=*.txt:java\n", Files.readString(cfg));
        assertEquals("from a cfg file", Io.read(m[0].resolve("f.txt")));
        assertTrue(shell.run("fuse:stats " + m[0]).contains("0 passed through, 1 served in Java"));
        String out = shell.run("fuse:unmount " + m[0]);
        assertTrue(out.contains("unmounted " + m[0] + " (deleted load/fuse.mount-e2e.cfg)"), out);
        assertFalse(Files.exists(cfg));
    }

    private static void writeCfg(Path cfg, String text) throws Exception {
        Path tmp = cfg.resolveSibling("../" + cfg.getFileName() + ".tmp").normalize();
        Files.writeString(tmp, text);
        Files.move(tmp, cfg, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void helpDescribesEveryCommandAndParameter() throws Exception {
        for (String function : List.of("mounts", "mount", "unmount", "swap", "policy", "backends", "stats",
                "backing")) {
            for (String asked : List.of("help fuse:" + function, "fuse:" + function + " --help",
                    "fuse:" + function + " -h")) {
                String out = shell.run(asked);
                assertTrue(out.startsWith("fuse:" + function), () -> asked + ":\n" + out);
                assertFalse(out.contains("usage:") || out.contains("String"), () -> asked + ":\n" + out);
            }
        }
        String mount = shell.run("fuse:mount --help");
        for (String key : List.of("threads=<integer>", "allow_other=<boolean>", "backend_wait=<number>",
                "keys of backend local:", "root=<text>", "policy=<text>", "(default always)", "keys of backend overlay:",
                "lowerdir=<text list>", "--wait")) {
            assertTrue(mount.contains(key), () -> key + " missing from fuse:mount --help:\n" + mount);
        }
        String local = shell.run("help fuse:mount local");
        assertTrue(local.contains("root=<text>") && !local.contains("lowerdir"), () -> "only local's keys:\n" + local);
        String all = shell.run("help");
        assertTrue(all.contains("fuse:mount <mountpoint> <backend>") && all.contains("lb"), all);
    }

    @Test
    void anUnknownBackendIsSavedOnlyWithWait() throws Exception {
        Path[] m = fresh();
        String out = shell.run("fuse:mount " + m[0] + " later root=" + m[1] + " --wait");
        assertTrue(out.contains("mounted " + m[0]) && out.contains("no backend matches 'later' yet"), out);
        String line = shell.mountLine(m[0]).orElseThrow();
        assertTrue(line.contains("WAITING_FOR_BACKEND("), line);
        assertTrue(shell.run("fuse:unmount " + m[0]).contains("unmounted " + m[0]));
    }

    @Test
    void aMountpointTakenByAnotherFileSystemIsRefusedAtOnce() throws Exception {
        Path[] m = fresh();
        Process tmpfs = new ProcessBuilder("mount", "-t", "tmpfs", "e2e-taken", m[0].toString()).inheritIO().start();
        assertEquals(0, tmpfs.waitFor(), "mount -t tmpfs failed");
        try {
            long start = System.nanoTime();
            String out = shell.run("fuse:mount " + m[0] + " local root=" + m[1]);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(out.contains("fuse:mount: " + m[0] + " is already mounted (not by this container"), out);
            assertTrue(millis < 5000, "took " + millis + " ms");
            assertTrue(shell.mountLine(m[0]).isEmpty(), "nothing saved");
        } finally {
            new ProcessBuilder("umount", "-l", m[0].toString()).inheritIO().start().waitFor();
        }
    }

    @Test
    void aSwapDropsTheSettingsOfTheOldBackend() throws Exception {
        Path[] m = fresh("a.txt", "layer");
        shell.run("fuse:mount " + m[0] + " local root=" + m[1] + " policy=never threads=1");
        String out = shell.run("fuse:swap " + m[0] + " overlay lowerdir=" + m[1]);
        assertTrue(out.contains("local -> overlay")
                && out.contains("dropped the settings backend overlay does not take: root"), out);
        assertEquals("layer", Io.read(m[0].resolve("a.txt")));
        out = shell.run("fuse:swap " + m[0] + " local root=" + m[1]);
        assertTrue(out.contains("overlay -> local") && out.contains("does not take: lowerdir"), out);
        // Both backends take the passthrough policy (fuse.api.policy): it stays across the swaps.
        assertTrue(shell.run("fuse:policy " + m[0]).contains("policy never"), "policy kept");
        shell.run("fuse:unmount " + m[0]);
    }
}
