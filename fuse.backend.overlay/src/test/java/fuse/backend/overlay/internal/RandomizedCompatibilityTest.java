package fuse.backend.overlay.internal;

import static fuse.posix.Linux.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import fuse.api.Errno;
import fuse.mount.testing.TestMount;

/**
 * The same seeded sequence of operations applied to this backend and to the kernel's overlayfs, over identical
 * copies of the same layers: after every step both give the same outcome (errno), the same merged view, and
 * structurally the same upper directory (names, types, whiteouts, opaque marks, contents, modes, owners, xattrs;
 * not the work directory, inode numbers or times).
 *
 * <p>Seed and length: {@code -Doverlay.seed=N -Doverlay.steps=N}; the seed is printed, and a failure shows it with
 * the last steps.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RandomizedCompatibilityTest {
    private static final String[] XATTRS = {"user.a", "user.b", "trusted.t", "trusted.overlay.esc"};

    @RegisterExtension
    final Fixture fx = Fixture.withSampleLowers();
    private Path upper2;
    private Path work2;

    /** The kernel's overlay writes upper and work, the backend upper2 and work2 ({@code -Doverlay.keep=true}). */
    @BeforeEach
    void setUp() throws Exception {
        upper2 = Files.createDirectory(fx.base.resolve("upper2"));
        work2 = Files.createDirectory(fx.base.resolve("work2"));
    }

    private record Step(String description, Function<Ops, Errno> action) {
    }

    /** The side under test: how to apply a step and how to see its merged view. */
    private interface Side {
        Errno apply(Step step) throws Exception;

        SortedMap<String, Tree.Info> view() throws Exception;
    }

    @Test
    void backendAndKernelAgreeStepByStep() throws Exception {
        long seed = Long.getLong("overlay.seed", new Random().nextLong());
        int steps = Integer.getInteger("overlay.steps", 250);
        List<String> history = new ArrayList<>();
        Random random = start("SPI", seed, steps, history);
        try (OverlayFileSystem fs = OverlayFileSystem.open(Settings.parse(backendConfiguration()))) {
            SpiOps spi = new SpiOps(fs);
            run(random, seed, steps, history, new Side() {
                @Override
                public Errno apply(Step step) {
                    return step.action.apply(spi);
                }

                @Override
                public SortedMap<String, Tree.Info> view() throws Exception {
                    return Tree.ofSpi(fs);
                }
            });
        }
    }

    /** The same through a real FUSE mount of the backend (passthrough on), driven by system calls. */
    @Test
    void fuseMountAndKernelAgreeStepByStep() throws Exception {
        long seed = Long.getLong("overlay.seed", new Random().nextLong());
        int steps = Integer.getInteger("overlay.mount.steps", 150);
        List<String> history = new ArrayList<>();
        Random random = start("FUSE mount", seed, steps, history);
        Map<String, Object> config = backendConfiguration();
        config.put("backend", "overlay");
        try (TestMount mount = TestMount.mount(new OverlayBackend(), config, Duration.ofSeconds(280))) {
            HostOps host = new HostOps(mount.path().toString());
            run(random, seed, steps, history, new Side() {
                @Override
                public Errno apply(Step step) throws Exception {
                    return mount.io(() -> step.action.apply(host));
                }

                @Override
                public SortedMap<String, Tree.Info> view() throws Exception {
                    return mount.io(() -> Tree.ofMount(mount.path().toString()));
                }
            });
        }
    }

    /** Prints the seed and makes the starting state: a kernel-made upper layer, copied for the backend. */
    private Random start(String what, long seed, int steps, List<String> history) throws Exception {
        System.out.println("RandomizedCompatibilityTest (" + what + ") seed " + seed + " (-Doverlay.seed=" + seed
                + "), " + steps + " steps");
        Random random = new Random(seed);
        try (KernelOverlay kernel = fx.mountKernel()) {
            HostOps host = new HostOps(kernel.target.toString());
            for (int i = 0; i < 20; i++) {
                Step step = next(random, Tree.ofMount(kernel.target.toString()));
                history.add("warm-up " + step.description + " -> " + step.action.apply(host));
            }
        }
        Fixture.copyTree(fx.upper, upper2);
        return random;
    }

    private Map<String, Object> backendConfiguration() {
        Map<String, Object> config = fx.configuration();
        config.put(Settings.UPPERDIR, upper2.toString());
        config.put(Settings.WORKDIR, work2.toString());
        return config;
    }

    private void run(Random random, long seed, int steps, List<String> history, Side side) throws Exception {
        try (KernelOverlay kernel = fx.mountKernel()) {
            HostOps host = new HostOps(kernel.target.toString());
            compare(seed, history, kernel, side);
            for (int i = 0; i < steps; i++) {
                Step step = next(random, Tree.ofMount(kernel.target.toString()));
                Errno expected = step.action.apply(host);
                Errno actual = side.apply(step);
                history.add(i + ": " + step.description + " -> kernel " + expected + ", backend " + actual);
                if (expected != actual) {
                    fail(report(seed, history, "different outcome"));
                }
                compare(seed, history, kernel, side);
            }
        }
    }

    private void compare(long seed, List<String> history, KernelOverlay kernel, Side side) throws Exception {
        SortedMap<String, Tree.Info> kernelView = Tree.ofMount(kernel.target.toString());
        String views = Tree.diff(kernelView, side.view());
        if (!views.isEmpty()) {
            fail(report(seed, history, "merged views differ (expected = kernel):\n" + views));
        }
        String uppers = Tree.diff(Tree.ofLayer(fx.upper.toString(), OverlayXattrs.TRUSTED_PREFIX),
                Tree.ofLayer(upper2.toString(), OverlayXattrs.TRUSTED_PREFIX));
        if (!uppers.isEmpty()) {
            fail(report(seed, history, "upper directories differ (expected = kernel's):\n" + uppers));
        }
    }

    private static String report(long seed, List<String> history, String problem) {
        List<String> last = history.subList(Math.max(0, history.size() - 25), history.size());
        return "seed " + seed + ": " + problem + "\nlast steps:\n  " + String.join("\n  ", last);
    }

    // ---------------------------------------------------------------------------------------- step generator

    private static Step next(Random random, SortedMap<String, Tree.Info> view) {
        List<String> all = new ArrayList<>(view.keySet());
        List<String> files = filter(view, "file");
        List<String> dirs = filter(view, "dir");
        dirs.add("");
        String any = pick(random, all, "etc");
        String file = pick(random, files, "etc/hosts");
        String dir = pick(random, dirs, "");
        String fresh = (dir.isEmpty() ? "" : dir + "/") + "n" + random.nextInt(40);
        String target = random.nextBoolean() ? pick(random, all, fresh) : fresh;
        String fileOrDir = random.nextBoolean() ? file : pick(random, dirs, "etc");
        if (fileOrDir.isEmpty()) {
            fileOrDir = "etc";
        }
        String from = fileOrDir;
        String someone = any;
        return switch (random.nextInt(17)) {
            case 0, 1 -> {
                long offset = random.nextInt(3000);
                byte[] data = bytes(random, 1 + random.nextInt(200));
                boolean truncate = random.nextInt(4) == 0;
                yield new Step("write " + file + " @" + offset + " +" + data.length + (truncate ? " trunc" : ""),
                        o -> o.write(file, offset, data, false, truncate, 0));
            }
            case 2 -> {
                byte[] data = bytes(random, random.nextInt(100));
                // Only new names or regular files: open(O_CREAT) follows a symlink in the VFS before FUSE is asked
                // (not a backend operation), and opening a FIFO for writing would wait for a reader.
                String created = !view.containsKey(fresh) || view.get(fresh).type().equals("file") ? fresh : file;
                yield new Step("create " + created, o -> o.write(created, 0, data, true, false, 0644));
            }
            case 3 -> {
                long size = random.nextInt(2000);
                yield new Step("truncate " + file + " " + size, o -> o.truncate(file, size));
            }
            case 4 -> {
                int mode = new int[] {0600, 0644, 0755, 0700, 04755, 01777}[random.nextInt(6)];
                yield new Step("chmod " + from + " " + Integer.toOctalString(mode), o -> o.chmod(from, mode));
            }
            case 5 -> {
                String name = XATTRS[random.nextInt(XATTRS.length)];
                byte[] value = bytes(random, 1 + random.nextInt(10));
                yield new Step("setxattr " + someone + " " + name, o -> o.setxattr(someone, name, value));
            }
            case 6 -> {
                String name = XATTRS[random.nextInt(XATTRS.length)];
                yield new Step("removexattr " + someone + " " + name, o -> o.removexattr(someone, name));
            }
            case 7, 8 -> new Step("unlink " + someone, o -> o.unlink(someone));
            case 9 -> new Step("rmdir " + someone, o -> o.rmdir(someone));
            case 10 -> new Step("mkdir " + fresh, o -> o.mkdir(fresh, 0755));
            case 11, 12 -> {
                int flags = new int[] {0, 0, 0, RENAME_NOREPLACE, RENAME_EXCHANGE}[random.nextInt(5)];
                yield new Step("rename " + someone + " " + target + " flags " + flags,
                        o -> o.rename(someone, target, flags));
            }
            case 13 -> new Step("symlink " + fresh, o -> o.symlink("../some/target", fresh));
            case 14 -> new Step("link " + someone + " " + fresh, o -> o.link(someone, fresh));
            case 15 -> new Step("mkfifo " + fresh, o -> o.mkfifo(fresh, 0640));
            default -> {
                byte[][] out = new byte[1][];
                yield new Step("read " + file, o -> o.readAll(file, out));
            }
        };
    }

    private static List<String> filter(SortedMap<String, Tree.Info> view, String type) {
        List<String> paths = new ArrayList<>();
        view.forEach((path, info) -> {
            if (info.type().equals(type)) {
                paths.add(path);
            }
        });
        return paths;
    }

    private static String pick(Random random, List<String> paths, String otherwise) {
        return paths.isEmpty() ? otherwise : paths.get(random.nextInt(paths.size()));
    }

    private static byte[] bytes(Random random, int length) {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = (byte) ('a' + random.nextInt(26));
        }
        return data;
    }

    @Test
    void generatorIsDeterministic() {
        SortedMap<String, Tree.Info> view = new java.util.TreeMap<>();
        view.put("a", new Tree.Info("file", 0644, 0, 0, 1, "", 0, new java.util.TreeMap<>()));
        assertEquals(next(new Random(7), view).description, next(new Random(7), view).description);
    }
}
