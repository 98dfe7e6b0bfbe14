package fuse.channel.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import fuse.posix.PosixException;

/**
 * The tests' one cleanup routine for mounts: whatever FUSE mounts are still stacked on a test mountpoint are
 * aborted through fusectl (so that no stuck server can block the unmount) and lazily unmounted. Uses the channel's
 * own mount-table, fusectl and umount2 code, read-only from mountinfo: it never stats the mount.
 */
public final class LeftoverMounts {
    private LeftoverMounts() {
    }

    /** @return a description of each mount it had to remove (empty when the mountpoint was clean) */
    public static List<String> clean(Path mountpoint) {
        List<String> removed = new ArrayList<>();
        Path target = mountpoint.toAbsolutePath().normalize();
        for (int i = 0; i < 16; i++) {
            Optional<MountTable.Mount> top;
            try {
                top = MountTable.fresh().top(target);
            } catch (IOException e) {
                removed.add("cannot read mountinfo: " + e);
                return removed;
            }
            if (top.isEmpty() || !top.get().isFuse()) {
                return removed;
            }
            MountTable.Mount mount = top.get();
            FuseControl.abort(mount.device());
            try {
                LinuxCalls.umount2(target.toString(), LinuxCalls.MNT_DETACH);
                removed.add(mount.fsType() + " at " + target + " (connection " + mount.device() + ")");
            } catch (PosixException e) {
                removed.add("cannot unmount " + target + ": " + e.getMessage());
                return removed;
            }
        }
        return removed;
    }

    /** Whether any FUSE mount is at {@code mountpoint}. */
    public static boolean isFuseMounted(Path mountpoint) throws IOException {
        Optional<MountTable.Mount> top = MountTable.fresh().top(mountpoint.toAbsolutePath().normalize());
        return top.isPresent() && top.get().isFuse();
    }

    /** Aborts connection {@code id} as an administrator would (echo 1 > .../abort). */
    public static boolean abort(long connectionId) {
        return FuseControl.abort(connectionId);
    }

    /** Unanswered requests of connection {@code id}, or -1 when it does not exist. */
    public static long waiting(long connectionId) {
        return FuseControl.waiting(connectionId).orElse(-1);
    }
}
