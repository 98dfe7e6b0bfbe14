package fuse.container.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTrustTest {
    @TempDir
    Path dir;

    @Test
    void ownFileWritableOnlyByOwnerIsTrusted() throws Exception {
        Path jar = Files.writeString(dir.resolve("a.jar"), "x");
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals(Optional.empty(), FileTrust.fileProblem(jar));
    }

    @Test
    void groupOrWorldWritableFileIsRefused() throws Exception {
        Path jar = Files.writeString(dir.resolve("b.jar"), "x");
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-rw-r--"));
        assertTrue(FileTrust.fileProblem(jar).orElseThrow().contains("writable by other users (mode 0664)"));
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--rw-"));
        assertTrue(FileTrust.fileProblem(jar).isPresent());
    }

    @Test
    void fileOwnedByAnotherUserIsRefused() throws Exception {
        Path cfg = Files.writeString(dir.resolve("c.cfg"), "x");
        Files.setAttribute(cfg, "unix:uid", 65534);
        assertTrue(FileTrust.fileProblem(cfg).orElseThrow().contains("owned by uid 65534"));
    }

    @Test
    void symlinkToAnUntrustedFileIsRefused() throws Exception {
        Path target = Files.writeString(dir.resolve("target.jar"), "x");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-rw-rw-"));
        Path link = Files.createSymbolicLink(dir.resolve("link.jar"), target);
        assertTrue(FileTrust.fileProblem(link).orElseThrow().contains("link target"));
    }

    @Test
    void worldWritableFolderIsRefusedButAStickyAncestorIsFine() throws Exception {
        Path sticky = Files.createDirectory(dir.resolve("sticky"));
        Files.setAttribute(sticky, "unix:mode", 01777);
        Path load = Files.createDirectory(sticky.resolve("load"));
        Files.setPosixFilePermissions(load, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        assertEquals(Optional.empty(), FileTrust.folderProblem(load));
        Files.setPosixFilePermissions(load, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertTrue(FileTrust.folderProblem(load).orElseThrow().contains("writable by other users (mode 0777)"));
    }

    @Test
    void folderUnderAWorldWritableNonStickyParentIsRefused() throws Exception {
        Path parent = Files.createDirectory(dir.resolve("open"));
        Files.setAttribute(parent, "unix:mode", 0777);
        Path load = Files.createDirectory(parent.resolve("load"));
        Files.setPosixFilePermissions(load, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertTrue(FileTrust.folderProblem(load).orElseThrow().contains("its parent"));
    }
}
