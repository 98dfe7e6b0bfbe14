package fuse.posix.nodes;

import static fuse.posix.Linux.AT_FDCWD;
import static fuse.posix.Linux.O_CLOEXEC;
import static fuse.posix.Linux.O_DIRECTORY;
import static fuse.posix.Linux.O_NOFOLLOW;
import static fuse.posix.Linux.O_PATH;
import static fuse.posix.Linux.O_RDWR;
import static fuse.posix.Linux.RESOLVE_BENEATH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.posix.Posix;

class HostCreationTest {
    private static final int FLAGS = O_RDWR | O_NOFOLLOW | O_CLOEXEC;

    @TempDir
    Path dir;
    private int dirfd;

    @BeforeEach
    void open() throws FuseException {
        dirfd = Posix.openat(AT_FDCWD, dir.toString(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    }

    @AfterEach
    void close() {
        Posix.closeQuietly(dirfd);
    }

    @Test
    void aNewNameIsMadeAndItsUndoRemovesIt() throws Exception {
        HostCreation.Opened opened = HostCreation.open(dirfd, "f", FLAGS, 0600, RESOLVE_BENEATH, false);
        try {
            assertTrue(opened.made());
            assertTrue(Files.isRegularFile(dir.resolve("f")));
            HostCreation.undo(dirfd, "f", opened.fd());
            assertFalse(Files.exists(dir.resolve("f")));
        } finally {
            Posix.closeQuietly(opened.fd());
        }
    }

    @Test
    void anExistingNameIsOpenedUnlessExclusiveAndItsUndoLeavesIt() throws Exception {
        Files.writeString(dir.resolve("f"), "there before");
        FuseException refused = assertThrows(FuseException.class,
                () -> HostCreation.open(dirfd, "f", FLAGS, 0600, RESOLVE_BENEATH, true));
        assertEquals(Errno.EEXIST, refused.errno());
        HostCreation.Opened opened = HostCreation.open(dirfd, "f", FLAGS, 0600, RESOLVE_BENEATH, false);
        try {
            assertFalse(opened.made());
            assertEquals("there before", Files.readString(dir.resolve("f")));
        } finally {
            Posix.closeQuietly(opened.fd());
        }
    }

    @Test
    void theUndoLeavesAFileAnotherProcessPutUnderTheNameMeanwhile() throws Exception {
        HostCreation.Opened opened = HostCreation.open(dirfd, "f", FLAGS, 0600, RESOLVE_BENEATH, false);
        try {
            Files.delete(dir.resolve("f"));
            Files.writeString(dir.resolve("f"), "someone else's");
            HostCreation.undo(dirfd, "f", opened.fd());
            assertEquals("someone else's", Files.readString(dir.resolve("f")));
        } finally {
            Posix.closeQuietly(opened.fd());
        }
    }
}
