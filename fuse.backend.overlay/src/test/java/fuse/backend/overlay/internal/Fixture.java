package fuse.backend.overlay.internal;

import static fuse.posix.Linux.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import fuse.api.FuseException;
import fuse.posix.Posix;
import fuse.posix.PosixException;

/**
 * A fresh temporary directory with two lower layers, an upper and a work directory and an empty mountpoint, plus
 * helpers to build layer content directly on disk. {@link #close} removes it all (after checking that nothing is
 * mounted there).
 */
final class Fixture implements AutoCloseable {
    final Path base;
    final Path lower1;
    final Path lower2;
    final Path upper;
    final Path work;
    final Path mountpoint;

    private Fixture(Path base) throws IOException {
        this.base = base;
        this.lower1 = Files.createDirectory(base.resolve("lower1"));
        this.lower2 = Files.createDirectory(base.resolve("lower2"));
        this.upper = Files.createDirectory(base.resolve("upper"));
        this.work = Files.createDirectory(base.resolve("work"));
        this.mountpoint = Files.createDirectory(base.resolve("mnt"));
    }

    static Fixture create() throws IOException {
        return new Fixture(Files.createTempDirectory("overlay-test"));
    }

    List<Path> lowers() {
        return List.of(lower1, lower2);
    }

    Map<String, Object> configuration() {
        Map<String, Object> config = new HashMap<>();
        config.put(Settings.LOWERDIR, lower1 + ":" + lower2);
        config.put(Settings.UPPERDIR, upper.toString());
        config.put(Settings.WORKDIR, work.toString());
        return config;
    }

    OverlayFileSystem open() throws FuseException {
        return OverlayFileSystem.open(Settings.parse(configuration()));
    }

    KernelOverlay mountKernel() throws IOException, InterruptedException {
        return KernelOverlay.mount(lowers(), upper, work, mountpoint, false);
    }

    // -------------------------------------------------------------------------------------- building layers

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

    /** Copies a tree with everything (xattrs, whiteouts, owners, times, hard links). */
    static void copyTree(Path from, Path to) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("cp", "-a", from + "/.", to.toString()).redirectErrorStream(true).start();
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("cp -a " + from + " " + to + ": " + new String(p.getInputStream().readAllBytes()));
        }
    }

    @Override
    public void close() throws IOException, PosixException {
        if (KernelOverlay.isMounted(mountpoint)) {
            throw new IllegalStateException(mountpoint + " is still mounted");
        }
        Dirs.removeTree(AT_FDCWD, base.toString());
    }
}
