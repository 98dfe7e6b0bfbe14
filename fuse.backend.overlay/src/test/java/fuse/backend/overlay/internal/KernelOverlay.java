package fuse.backend.overlay.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The kernel's overlayfs mounted on a temporary directory, with the features this backend shares with it
 * ({@code index=off,redirect_dir=off,metacopy=off,xino=off}); unmounted lazily by {@link #close}, which never
 * throws, so a test can always use try-with-resources. Needs root.
 */
final class KernelOverlay implements AutoCloseable {
    private static final long COMMAND_SECONDS = 20;

    final Path target;
    private boolean mounted;

    private KernelOverlay(Path target) {
        this.target = target;
    }

    static KernelOverlay mount(List<Path> lowers, Path upper, Path work, Path target, boolean userxattr)
            throws IOException, InterruptedException {
        // With userxattr the kernel only takes redirect_dir=nofollow (it never follows user.* redirects).
        return mount(lowers, upper, work, target, "index=off,metacopy=off,xino=off"
                + (userxattr ? ",userxattr,redirect_dir=nofollow" : ",redirect_dir=off"));
    }

    /** @param features the kernel's options besides the directories, e.g. {@code "redirect_dir=on,index=off"} */
    static KernelOverlay mount(List<Path> lowers, Path upper, Path work, Path target, String features)
            throws IOException, InterruptedException {
        String options = "lowerdir=" + lowers.stream().map(Path::toString).collect(Collectors.joining(":"))
                + (upper != null ? ",upperdir=" + upper + ",workdir=" + work : "") + "," + features;
        KernelOverlay overlay = new KernelOverlay(target);
        run("mount", "-t", "overlay", "overlay", "-o", options, target.toString());
        overlay.mounted = true;
        return overlay;
    }

    static boolean isMounted(Path target) throws IOException {
        String t = target.toString();
        return Files.readAllLines(Path.of("/proc/mounts"), StandardCharsets.UTF_8).stream()
                .anyMatch(line -> line.split(" ").length > 1 && line.split(" ")[1].equals(t));
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": no answer in " + COMMAND_SECONDS + " s");
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + process.exitValue() + ": " + output);
        }
    }

    /** {@code umount -l}, for any mount a test made; never throws, waits at most a few seconds. */
    static void unmountLazily(Path target) {
        boolean interrupted = Thread.interrupted();
        try {
            run("umount", "-l", target.toString());
        } catch (IOException | InterruptedException e) {
            System.err.println("could not unmount " + target + ": " + e.getMessage());
            interrupted |= e instanceof InterruptedException;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        if (!mounted) {
            return;
        }
        mounted = false;
        // A test interrupted by its timeout still unmounts: umount runs with the interrupt cleared, then restored.
        unmountLazily(target);
    }
}
