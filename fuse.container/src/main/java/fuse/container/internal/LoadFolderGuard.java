package fuse.container.internal;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.felix.fileinstall.ArtifactInstaller;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The container runs as root and executes whatever lands in {@code load/}, so nothing there may be loaded that a
 * user other than the container's own could have written. Registered as the FileInstall artifact handler with
 * the highest ranking, it claims every artifact that fails {@link FileTrust} (or every artifact at all when the
 * folder itself is unsafe), and every jar that is no bundle ({@link BundleJar}), and refuses it with one line;
 * FileInstall hands the rest to its own handlers.
 *
 * <p>A refusal is not for ever. FileInstall looks at a file again only when its modification time or size
 * changes, and drops a claim it finds given up without offering the file to anyone else. So the guard checks its
 * untrusted files every second itself, and whenever FileInstall drops a claim on a file that is fine now, the
 * guard moves the file's modification time on: FileInstall's next scans then take it back from the guard and
 * install it as new. A fixed folder or file ({@code chmod}, {@code chown}) or a {@code touch} thus loads it; a jar
 * that is no bundle waits until the file changes.
 *
 * <p>FileInstall starts at a later start level than this bundle ({@code fuse.bndrun}), so the guard is in place
 * before the first scan.
 */
@Component(immediate = true, service = ArtifactInstaller.class,
        property = Constants.SERVICE_RANKING + ":Integer=" + Integer.MAX_VALUE)
public final class LoadFolderGuard implements ArtifactInstaller {
    private static final Logger LOG = LoggerFactory.getLogger(LoadFolderGuard.class);
    private static final long RECHECK_MILLIS = 1000;

    /** Why a file is claimed: untrusted (retried when fixed) or not a bundle (retried when changed). */
    private record Refusal(String problem, boolean untrusted) {
    }

    private final Optional<Path> folder;
    private final Map<Path, Refusal> refused = new ConcurrentHashMap<>();
    private final ScheduledExecutorService recheck = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "fuse load/ guard");
        thread.setDaemon(true);
        return thread;
    });

    @Activate
    public LoadFolderGuard(BundleContext context) {
        String dir = context.getProperty("felix.fileinstall.dir");
        this.folder = Optional.ofNullable(dir).map(d -> Path.of(d).toAbsolutePath().normalize());
        folder.flatMap(LoadFolderGuard::folderProblem).ifPresent(problem -> LOG.error(
                "Refusing to load anything from {}: {}. Fix it (e.g. chmod go-w): its files are loaded then.",
                folder.get(), problem));
        recheck.scheduleWithFixedDelay(this::recheckUntrusted, RECHECK_MILLIS, RECHECK_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() {
        recheck.shutdownNow();
    }

    @Override
    public boolean canHandle(File artifact) {
        Path path = artifact.toPath().toAbsolutePath().normalize();
        Optional<Refusal> refusal = untrusted(path).map(p -> new Refusal(p, true))
                .or(() -> BundleJar.problem(path).map(p -> new Refusal(p, false)));
        refusal.ifPresentOrElse(r -> refuse(path, r), () -> refused.remove(path));
        return refusal.isPresent();
    }

    private Optional<String> untrusted(Path path) {
        return folder.flatMap(LoadFolderGuard::folderProblem)
                .map(p -> "the folder " + folder.get() + " is unsafe: " + p)
                .or(() -> fileProblem(path));
    }

    private static Optional<String> folderProblem(Path folder) {
        try {
            return FileTrust.folderProblem(folder);
        } catch (IOException e) {
            return Optional.of("cannot check it: " + e.getMessage());
        }
    }

    private static Optional<String> fileProblem(Path path) {
        try {
            return FileTrust.fileProblem(path);
        } catch (IOException e) {
            return Optional.of("cannot check it: " + e.getMessage());
        }
    }

    /** Logs each refusal once per file and reason, not on every scan. */
    private void refuse(Path path, Refusal refusal) {
        if (refusal.equals(refused.put(path, refusal))) {
            return;
        }
        if (refusal.untrusted()) {
            LOG.error("Refusing {}: {}. Nothing from it is loaded until that is fixed.", path, refusal.problem());
        } else {
            LOG.warn("Not installing {}: {}. It is tried again when the file changes.", path, refusal.problem());
        }
    }

    /** Files refused as untrusted that are fine now are handed back to FileInstall (see the class comment). */
    private void recheckUntrusted() {
        refused.forEach((path, refusal) -> {
            if (refusal.untrusted() && Files.exists(path) && untrusted(path).isEmpty()
                    && refused.remove(path, refusal)) {
                LOG.info("{} may be loaded now (the reason it was refused is gone): loading it", path);
                markChanged(path);
            }
        });
    }

    /** Moves the file's modification time on, the one thing besides its size that makes FileInstall look again. */
    private static void markChanged(Path path) {
        try {
            long last = Files.getLastModifiedTime(path).toMillis();
            Files.setLastModifiedTime(path, FileTime.fromMillis(Math.max(System.currentTimeMillis(), last + 1)));
        } catch (IOException e) {
            LOG.warn("{} may be loaded now, but its time could not be moved on for FileInstall ({}): touch it",
                    path, e.getMessage());
        }
    }

    @Override
    public void install(File artifact) {
        // refused in canHandle: claiming the artifact is what keeps FileInstall from loading it
    }

    @Override
    public void update(File artifact) {
        // still refused (canHandle said so again): nothing to load
    }

    /**
     * FileInstall drops the claim: the file is gone, or {@link #canHandle} found it fine now. FileInstall then
     * forgets a file that is still there until it changes again, so it is marked changed.
     */
    @Override
    public void uninstall(File artifact) {
        Path path = artifact.toPath().toAbsolutePath().normalize();
        refused.remove(path);
        if (Files.isRegularFile(path) && !canHandle(artifact)) {
            markChanged(path);
        }
    }
}
