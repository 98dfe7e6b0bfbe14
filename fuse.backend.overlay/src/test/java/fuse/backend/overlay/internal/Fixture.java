package fuse.backend.overlay.internal;

import static fuse.posix.Linux.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import fuse.api.FuseException;
import fuse.mount.testing.TestMount;
import fuse.posix.Posix;
import fuse.posix.PosixException;

/**
 * A fresh temporary directory with two lower layers, an upper and a work directory and an empty mountpoint, plus
 * helpers to build layer content directly on disk: every overlay test's fixture, registered as a JUnit extension
 * ({@code @RegisterExtension final Fixture fx = new Fixture();}). Before each test (and before the test's own
 * {@code @BeforeEach}, which may fill the layers) it skips the test unless it runs as root, and makes the tree
 * ({@link #withSampleLowers()}: with a sample tree in the lower layers);
 * after it (and after the test's own {@code @AfterEach}) it closes the overlays {@link #open} opened, checks that
 * nothing is mounted on the mountpoint and removes the tree ({@code -Doverlay.keep=true} keeps it, to look at).
 */
final class Fixture implements BeforeEachCallback, AfterEachCallback {
    /** The mounts' deadline: past it a watchdog aborts the mount, before the tests' own timeouts (120 s). */
    static final Duration DEADLINE = Duration.ofSeconds(100);

    Path base;
    Path lower1;
    Path lower2;
    Path upper;
    Path work;
    Path mountpoint;
    /** The overlays {@link #open} opened, closed after the test (closing twice is harmless). */
    private final List<OverlayFileSystem> opened = new ArrayList<>();
    private final boolean sampleLowers;

    /** Empty layers. */
    Fixture() {
        this(false);
    }

    private Fixture(boolean sampleLowers) {
        this.sampleLowers = sampleLowers;
    }

    /** Lower layers that hold {@link #buildSampleLowers the sample tree} before each test. */
    static Fixture withSampleLowers() {
        return new Fixture(true);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException, PosixException {
        assumeTrue(Posix.geteuid() == 0, "needs root: trusted.* xattrs, whiteouts, mounts");
        base = Files.createTempDirectory("overlay-test");
        lower1 = Files.createDirectory(base.resolve("lower1"));
        lower2 = Files.createDirectory(base.resolve("lower2"));
        upper = Files.createDirectory(base.resolve("upper"));
        work = Files.createDirectory(base.resolve("work"));
        mountpoint = Files.createDirectory(base.resolve("mnt"));
        if (sampleLowers) {
            buildSampleLowers();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException, PosixException {
        if (base == null) {
            return;
        }
        try {
            opened.forEach(OverlayFileSystem::close);
        } finally {
            if (KernelOverlay.isMounted(mountpoint)) {
                throw new IllegalStateException(mountpoint + " is still mounted");
            }
            if (Boolean.getBoolean("overlay.keep")) {
                System.out.println("kept " + base);
            } else {
                Dirs.removeTree(AT_FDCWD, base.toString());
            }
        }
    }

    /** Lets other users (tests that switch to nobody) reach the tree and the mountpoint. */
    void reachableByOthers() throws PosixException {
        Posix.fchmodat(AT_FDCWD, base.toString(), 0755, 0);
        Posix.fchmodat(AT_FDCWD, mountpoint.toString(), 0755, 0);
    }

    List<Path> lowers() {
        return List.of(lower1, lower2);
    }

    /** The backend's keys for these layers; a new map, the caller's to change. */
    Map<String, Object> configuration() {
        Map<String, Object> config = new HashMap<>();
        config.put(Settings.LOWERDIR, lower1 + ":" + lower2);
        config.put(Settings.UPPERDIR, upper.toString());
        config.put(Settings.WORKDIR, work.toString());
        return config;
    }

    /** An overlay of these layers, closed after the test. */
    OverlayFileSystem open() throws FuseException {
        return open(configuration());
    }

    /** An overlay with this configuration, closed after the test. */
    OverlayFileSystem open(Map<String, Object> configuration) throws FuseException {
        return opened(OverlayFileSystem.open(Settings.parse(configuration)));
    }

    /** An overlay of these layers with a bound on its node descriptors, closed after the test. */
    OverlayFileSystem openWithNodeDescriptors(int maxNodeDescriptors) throws FuseException {
        return opened(OverlayFileSystem.open(Settings.parse(configuration()), null, maxNodeDescriptors));
    }

    private OverlayFileSystem opened(OverlayFileSystem fs) {
        opened.add(fs);
        return fs;
    }

    /** A mount's configuration of these layers with the overlay backend, plus {@code keyValues} (key, value...). */
    Map<String, Object> mountConfiguration(Object... keyValues) {
        Map<String, Object> config = configuration();
        config.put("backend", "overlay");
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put((String) keyValues[i], keyValues[i + 1]);
        }
        return config;
    }

    /**
     * A real FUSE mount of an overlay of these layers ({@link #mountConfiguration}), with {@link #DEADLINE}: the
     * caller closes it (try-with-resources).
     */
    TestMount mount(Object... keyValues) throws Exception {
        return TestMount.mount(new OverlayBackend(), mountConfiguration(keyValues), DEADLINE);
    }

    KernelOverlay mountKernel() throws IOException, InterruptedException {
        return KernelOverlay.mount(lowers(), upper, work, mountpoint, false);
    }

    // -------------------------------------------------------------------------------------- building layers

    /** Two lower layers with the interesting cases: merging, whiteouts, opaque dirs, links, xattrs, modes. */
    private void buildSampleLowers() throws IOException, PosixException {
        file(lower1, "etc/hosts", "127.0.0.1 localhost\n");
        file(lower2, "etc/passwd", "root:x:0:0::/root:/bin/sh\n");
        file(lower2, "etc/hosts", "hidden by lower1\n");
        file(lower1, "bin/tool", "#!/bin/sh\necho tool\n");
        Posix.fchmodat(AT_FDCWD, lower1.resolve("bin/tool").toString(), 04755, 0);
        file(lower2, "bin/old", "old binary");
        whiteout(lower1, "bin/old");
        opaque(lower1, "var/cache");
        file(lower1, "var/cache/fresh", "fresh");
        file(lower2, "var/cache/stale", "stale");
        file(lower2, "var/log/syslog", "log line\n".repeat(1000));
        file(lower1, "data/big", "0123456789".repeat(50_000));
        file(lower1, "data/linked", "linked content");
        Files.createLink(lower1.resolve("data/link2"), lower1.resolve("data/linked"));
        Files.createSymbolicLink(lower1.resolve("data/sym"), Path.of("big"));
        xattr(lower1, "data/big", "user.origin", "lower1");
        xattr(lower1, "data/big", "trusted.note", "kept");
        dir(lower2, "empty");
        dir(lower1, "home/user");
        Posix.fchownat(AT_FDCWD, lower1.resolve("home/user").toString(), 1000, 1000, 0);
        Posix.fchmodat(AT_FDCWD, lower1.resolve("home/user").toString(), 0700, 0);
        file(lower1, "home/user/.profile", "export X=1\n");
        Posix.fchownat(AT_FDCWD, lower1.resolve("home/user/.profile").toString(), 1000, 1000, 0);
    }

    static void file(Path layer, String path, String content) throws IOException {
        Path p = layer.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content, StandardCharsets.UTF_8);
    }

    static void dir(Path layer, String path) throws IOException {
        Files.createDirectories(layer.resolve(path));
    }

    static void whiteout(Path layer, String path) throws IOException, PosixException {
        Path p = layer.resolve(path);
        Files.createDirectories(p.getParent());
        Posix.mknodat(AT_FDCWD, p.toString(), S_IFCHR, 0);
    }

    static void opaque(Path layer, String path) throws IOException, PosixException {
        dir(layer, path);
        XattrIo.set(layer.resolve(path).toString(), OverlayXattrs.TRUSTED_PREFIX + "opaque", new byte[] {'y'}, 0,
                false);
    }

    static void xattr(Path layer, String path, String name, String value) throws PosixException {
        XattrIo.set(layer.resolve(path).toString(), name, value.getBytes(StandardCharsets.UTF_8), 0, false);
    }

    static boolean isWhiteout(Path path) throws PosixException {
        try {
            return Resolver.isWhiteout(Posix.fstatat(AT_FDCWD, path.toString(), AT_SYMLINK_NOFOLLOW).attributes());
        } catch (PosixException e) {
            return false;
        }
    }

    static boolean isOpaque(Path dir) throws PosixException {
        byte[] value = XattrIo.get(dir.toString(), OverlayXattrs.TRUSTED_PREFIX + "opaque", false);
        return value != null && value.length == 1 && value[0] == 'y';
    }

    /**
     * What {@code workdir/work} holds besides the (empty) directories of live overlays: should be nothing after
     * every operation.
     */
    static java.util.List<String> workLeftovers(Path workdir) throws PosixException {
        return Tree.ofLayer(workdir.resolve(WorkDir.NAME).toString(), OverlayXattrs.TRUSTED_PREFIX).keySet().stream()
                .filter(path -> !(path.startsWith(WorkDir.INSTANCE_PREFIX) && !path.contains("/"))).toList();
    }

    /** Copies a tree with everything (xattrs, whiteouts, owners, times, hard links). */
    static void copyTree(Path from, Path to) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("cp", "-a", from + "/.", to.toString()).redirectErrorStream(true).start();
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("cp -a " + from + " " + to + ": " + new String(p.getInputStream().readAllBytes()));
        }
    }
}
