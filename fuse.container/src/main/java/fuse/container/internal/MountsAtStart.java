package fuse.container.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import fuse.mount.FuseMount;
import fuse.mount.MountState;

/**
 * The mounts a start is expected to bring up, each named by a key that its {@code FuseMount} service can be matched
 * with: the file name for a mount FileInstall makes from a {@code load/} file, the configuration's PID for one that
 * lives only in ConfigAdmin. Keys from files, not from ConfigAdmin's copies of them: a copy whose file was deleted
 * while the container was down is removed by FileInstall, never mounted.
 */
record MountsAtStart(Set<String> keys) {
    static final String FACTORY_PID = "fuse.mount";
    /** Where FileInstall records the file a configuration came from (a {@code file:} URI). */
    static final String FILENAME_PROPERTY = "felix.fileinstall.filename";

    MountsAtStart {
        keys = Set.copyOf(keys);
    }

    /**
     * The {@code load/} files FileInstall will turn into mount configurations ({@code fuse.mount-NAME.cfg} or
     * {@code .config}) and that the load folder guard lets through, plus {@code storedPids}: the PIDs of the
     * mount configurations ConfigAdmin holds that did not come from a file.
     */
    static MountsAtStart of(Path loadFolder, Collection<String> storedPids) throws IOException {
        Set<String> keys = new TreeSet<>(storedPids);
        if (loadFolder != null && Files.isDirectory(loadFolder) && FileTrust.folderProblem(loadFolder).isEmpty()) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(loadFolder)) {
                for (Path file : files) {
                    if (isMountFile(file.getFileName().toString()) && FileTrust.fileProblem(file).isEmpty()) {
                        keys.add(file.getFileName().toString());
                    }
                }
            }
        }
        return new MountsAtStart(keys);
    }

    /** FileInstall's naming: {@code PID-NAME.cfg} is configuration NAME of factory PID. */
    static boolean isMountFile(String fileName) {
        return fileName.startsWith(FACTORY_PID + "-") && (fileName.endsWith(".cfg") || fileName.endsWith(".config"));
    }

    /** The key of a mount service: its file's name when FileInstall made it, else its PID. */
    static String keyOf(String pid, Object fileInstallFilename) {
        if (fileInstallFilename == null) {
            return pid;
        }
        String uri = fileInstallFilename.toString();
        return uri.substring(uri.lastIndexOf('/') + 1);
    }

    /**
     * The keys not up yet: without a mount service, or with one that is still {@link MountState#STARTING} or is
     * mounted but has not had the kernel's INIT yet (its first requests would compete with whatever starts next).
     */
    Set<String> waitingFor(Map<String, FuseMount> mounts) {
        Set<String> waiting = new TreeSet<>();
        for (String key : keys) {
            FuseMount mount = mounts.get(key);
            if (mount == null || !isUp(mount)) {
                waiting.add(key);
            }
        }
        return waiting;
    }

    /** Past its start: answering requests (INIT done), or not mounted for a reason it reports. */
    static boolean isUp(FuseMount mount) {
        return switch (mount.state()) {
            case STARTING -> false;
            case SERVING, WAITING_FOR_BACKEND, SWAPPING -> mount.init().isPresent();
            case FAILED, UNMOUNTED -> true;
        };
    }
}
