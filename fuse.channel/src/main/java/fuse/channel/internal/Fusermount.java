package fuse.channel.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import fuse.posix.Posix;
import fuse.posix.PosixException;
import fuse.posix.Spawn;
import fuse.posix.UnixSockets;

/**
 * Mounting without {@code CAP_SYS_ADMIN}, as libfuse does: the set-user-ID {@code fusermount3} (Debian package
 * fuse3) opens {@code /dev/fuse}, mounts it and passes the descriptor back over the socket named by
 * {@code _FUSE_COMMFD} ({@code SCM_RIGHTS}); {@code fusermount3 -u} unmounts. It checks that the user owns the
 * mountpoint, and {@code allow_other} needs {@code user_allow_other} in {@code /etc/fuse.conf}; its messages go to
 * the container's standard error, where the log is.
 */
final class Fusermount {
    static final String PROGRAM = "fusermount3";
    /** The descriptor number fusermount3 finds its socket at. */
    private static final int COMM_FD = 3;
    private static final long UNMOUNT_SECONDS = 10;

    private Fusermount() {
    }

    /** Mounts at {@code target} with fusermount3's {@code -o options}; answers the /dev/fuse descriptor. */
    static int mount(Path target, String options) throws IOException {
        int[] pair;
        try {
            pair = UnixSockets.streamPair();
        } catch (PosixException e) {
            throw new IOException("cannot mount " + target + " through " + PROGRAM + ": " + e.getMessage(), e);
        }
        int ours = pair[0];
        try {
            int pid;
            try {
                pid = Spawn.spawn(List.of(PROGRAM, "-o", options, "--", target.toString()), environment(), pair[1],
                        COMM_FD);
            } finally {
                Posix.closeQuietly(pair[1]);
            }
            int fd;
            try {
                fd = UnixSockets.receiveDescriptor(ours);
            } catch (PosixException e) {
                int status = Spawn.waitFor(pid);
                throw new IOException(PROGRAM + " did not mount " + target + " (exit status " + status
                        + "; its message is in the log)", e);
            }
            int status = Spawn.waitFor(pid);
            if (status != 0) {
                Posix.closeQuietly(fd);
                throw new IOException(PROGRAM + " failed to mount " + target + " (exit status " + status + ")");
            }
            return fd;
        } catch (PosixException e) {
            throw new IOException("cannot mount " + target + " through " + PROGRAM + ": " + e.getMessage(), e);
        } finally {
            Posix.closeQuietly(ours);
        }
    }

    /** {@code fusermount3 -u -z target}: a lazy unmount, as umount2(MNT_DETACH) is for root. */
    static void unmount(Path target) throws IOException {
        Process process = new ProcessBuilder(PROGRAM, "-u", "-z", "--", target.toString())
                .redirectErrorStream(true).start();
        try {
            if (!process.waitFor(UNMOUNT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(PROGRAM + " -u " + target + " did not end within " + UNMOUNT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while unmounting " + target, e);
        }
        if (process.exitValue() != 0) {
            String message = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            throw new IOException(PROGRAM + " -u " + target + " failed: " + message);
        }
    }

    /** Ours, with {@code _FUSE_COMMFD}: fusermount3 finds the program path and locale there. */
    private static List<String> environment() {
        List<String> environment = new ArrayList<>();
        System.getenv().forEach((key, value) -> {
            if (!key.equals("_FUSE_COMMFD")) {
                environment.add(key + "=" + value);
            }
        });
        environment.add("_FUSE_COMMFD=" + COMM_FD);
        return environment;
    }
}
