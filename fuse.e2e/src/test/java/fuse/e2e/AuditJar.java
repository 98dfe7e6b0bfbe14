package fuse.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * The example backend's jar as the reactor built it, and copies of it with another Bundle-Version: "a new version
 * of the backend" for update tests, without a second build.
 */
final class AuditJar {
    static final Path BUILT = Container.PROJECT.resolve(
            "examples/fuse.backend.audit/target/fuse.backend.audit-0.1.0-SNAPSHOT.jar");

    private AuditJar() {
    }

    /** Puts version {@code 0.1.<micro>} of the jar at {@code target}, atomically (FileInstall never sees half). */
    static void deploy(Path target, int micro) throws IOException {
        Path tmp = target.getParent().resolveSibling(target.getFileName() + "." + micro + ".tmp");
        try (JarFile built = new JarFile(BUILT.toFile());
                OutputStream out = Files.newOutputStream(tmp)) {
            Manifest manifest = new Manifest(built.getManifest());
            manifest.getMainAttributes().putValue("Bundle-Version", "0.1." + micro);
            try (JarOutputStream jar = new JarOutputStream(out, manifest)) {
                for (Enumeration<JarEntry> entries = built.entries(); entries.hasMoreElements(); ) {
                    JarEntry entry = entries.nextElement();
                    if (entry.getName().equals("META-INF/MANIFEST.MF")) {
                        continue;
                    }
                    jar.putNextEntry(new JarEntry(entry.getName()));
                    try (InputStream in = built.getInputStream(entry)) {
                        in.transferTo(jar);
                    }
                    jar.closeEntry();
                }
            }
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
