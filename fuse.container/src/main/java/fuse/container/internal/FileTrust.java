package fuse.container.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The rule for what a root-run container may execute from disk: a file or folder is trusted when it is owned by
 * root or by the container's own user and no other user can write it. A folder's ancestors must follow the same
 * rule, except that a sticky, world-writable ancestor (like {@code /tmp}) is fine: others can create beside our
 * folder there, but not replace it.
 *
 * <p>In a user namespace ({@code unshare --user --map-root-user}: rootless), every owner the namespace does not
 * map, the real root of {@code /} and {@code /tmp} among them, shows as the overflow uid; the namespace's users
 * cannot act as any of them. So there an ancestor owned by the overflow uid is trusted as root is outside; the
 * folder and its files must still be the namespace's root's or the container user's. (The guard cannot tell the
 * real root from another user outside the namespace: a folder below another user's directory is trusted too.)
 */
final class FileTrust {
    private static final int GROUP_OR_OTHER_WRITE = 0022;
    private static final int STICKY = 01000;

    private FileTrust() {
    }

    /** Why {@code file} must not be loaded, if it must not. */
    static Optional<String> fileProblem(Path file) throws IOException {
        Optional<String> own = problem(file, "", false);
        if (own.isPresent() || !Files.isSymbolicLink(file)) {
            return own;
        }
        Path target = file.toRealPath();
        return problem(target, "its link target " + target + " ", false);
    }

    /** Why nothing from {@code folder} must be loaded, if it must not: the folder or one of its ancestors. */
    static Optional<String> folderProblem(Path folder) throws IOException {
        Path real = folder.toRealPath();
        Optional<String> own = problem(real, "", false);
        if (own.isPresent()) {
            return own;
        }
        for (Path ancestor = real.getParent(); ancestor != null; ancestor = ancestor.getParent()) {
            Optional<String> inherited = problem(ancestor, "its parent " + ancestor + " ", true);
            if (inherited.isPresent()) {
                return inherited;
            }
        }
        return Optional.empty();
    }

    private static Optional<String> problem(Path path, String what, boolean ancestor) throws IOException {
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        int owner = (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int self = containerUid();
        // Asked only of an owner that is neither: root's and our own files need no look at the uid map.
        if (owner != 0 && owner != self && !(ancestor && UserNamespace.current().isUnmapped(owner))) {
            return Optional.of(what + "is owned by uid " + owner + ", not by root or the container's user (uid "
                    + self + ")");
        }
        // A symlink's own mode is always 0777 and means nothing; its target is checked on its own.
        boolean symlink = Files.isSymbolicLink(path);
        if (!symlink && (mode & GROUP_OR_OTHER_WRITE) != 0 && !(ancestor && (mode & STICKY) != 0)) {
            return Optional.of(what + "is writable by other users (mode " + String.format("%04o", mode & 07777)
                    + ")");
        }
        return Optional.empty();
    }

    /** The container's own uid: the owner of its /proc entry. */
    static int containerUid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }
}
