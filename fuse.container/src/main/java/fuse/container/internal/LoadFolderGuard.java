package fuse.container.internal;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.felix.fileinstall.ArtifactInstaller;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The container runs as root and executes whatever lands in {@code load/}, so nothing there may be loaded that a
 * user other than the container's own could have written. Registered as the FileInstall artifact handler with
 * the highest ranking, it claims every artifact that fails {@link FileTrust} (or every artifact at all when the
 * folder itself is unsafe) and refuses it with one message; FileInstall hands the rest to its own handlers.
 *
 * <p>FileInstall starts at a later start level than this bundle ({@code fuse.bndrun}), so the guard is in place
 * before the first scan.
 */
@Component(immediate = true, service = ArtifactInstaller.class,
        property = Constants.SERVICE_RANKING + ":Integer=" + Integer.MAX_VALUE)
public final class LoadFolderGuard implements ArtifactInstaller {
    private static final Logger LOG = LoggerFactory.getLogger(LoadFolderGuard.class);

    private final Optional<Path> folder;
    private final Map<Path, String> refused = new ConcurrentHashMap<>();

    @Activate
    public LoadFolderGuard(BundleContext context) {
        String dir = context.getProperty("felix.fileinstall.dir");
        this.folder = Optional.ofNullable(dir).map(d -> Path.of(d).toAbsolutePath().normalize());
        folder.flatMap(LoadFolderGuard::folderProblem).ifPresent(problem -> LOG.error(
                "Refusing to load anything from {}: {}. Fix it (e.g. chmod go-w) and restart.", folder.get(), problem));
    }

    private static Optional<String> folderProblem(Path folder) {
        try {
            return FileTrust.folderProblem(folder);
        } catch (IOException e) {
            return Optional.of("cannot check it: " + e.getMessage());
        }
    }

    @Override
    public boolean canHandle(File artifact) {
        Path path = artifact.toPath().toAbsolutePath().normalize();
        Optional<String> problem = folder.flatMap(LoadFolderGuard::folderProblem)
                .map(p -> "the folder " + folder.get() + " is unsafe: " + p)
                .or(() -> fileProblem(path));
        problem.ifPresentOrElse(p -> refuse(path, p), () -> refused.remove(path));
        return problem.isPresent();
    }

    private static Optional<String> fileProblem(Path path) {
        try {
            return FileTrust.fileProblem(path);
        } catch (IOException e) {
            return Optional.of("cannot check it: " + e.getMessage());
        }
    }

    /** Logs each refusal once per file and reason, not on every scan. */
    private void refuse(Path path, String problem) {
        if (!problem.equals(refused.put(path, problem))) {
            LOG.error("Refusing {}: {}. Nothing from it is loaded.", path, problem);
        }
    }

    @Override
    public void install(File artifact) {
        // refused in canHandle: claiming the artifact is what keeps FileInstall from loading it
    }

    @Override
    public void update(File artifact) {
    }

    @Override
    public void uninstall(File artifact) {
        refused.remove(artifact.toPath().toAbsolutePath().normalize());
    }
}
