package fuse.container.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * What FileInstall needs to take a {@code .jar} in {@code load/} for a bundle: a zip with a manifest that names a
 * {@code Bundle-SymbolicName} (the test its bundle installer makes). FileInstall passes over any other jar without
 * a word and looks at it again on every scan; this names what is wrong instead.
 */
final class BundleJar {
    private static final Attributes.Name SYMBOLIC_NAME = new Attributes.Name("Bundle-SymbolicName");

    private BundleJar() {
    }

    /** Why {@code file}, a jar by its name, cannot be installed as a bundle, if it cannot; other files pass. */
    static Optional<String> problem(Path file) {
        if (!file.getFileName().toString().endsWith(".jar") || !Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Manifest manifest;
        try (JarFile jar = new JarFile(file.toFile())) {
            manifest = jar.getManifest();
        } catch (IOException | SecurityException e) {
            return Optional.of("not a valid jar (" + e.getMessage() + ")");
        }
        if (manifest == null) {
            return Optional.of("not a bundle: it has no META-INF/MANIFEST.MF");
        }
        if (manifest.getMainAttributes().getValue(SYMBOLIC_NAME) == null) {
            return Optional.of("not a bundle: its manifest has no Bundle-SymbolicName");
        }
        return Optional.empty();
    }
}
