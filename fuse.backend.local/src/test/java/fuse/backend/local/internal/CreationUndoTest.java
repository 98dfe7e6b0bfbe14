package fuse.backend.local.internal;

import static fuse.posix.Linux.O_CREAT;
import static fuse.posix.Linux.O_RDWR;
import static fuse.posix.Linux.S_IFREG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import fuse.api.Caller;
import fuse.api.Entry;
import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.api.Node;
import fuse.posix.Posix;
import fuse.posix.PosixException;
import fuse.testkit.TestCaller;

/**
 * A creation that fails after the host object was made (here: the process's descriptor table is full, the
 * failure seen under a descriptor-exhaustion attack) removes the object again, so the host is as before: no
 * file, node, directory, symbolic link or extra hard link is left behind by a call that answered an error.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CreationUndoTest {
    private static final Caller ROOT = TestCaller.root(022);

    @TempDir
    Path dir;

    private LocalFileSystem fs;
    private final List<Integer> filler = new ArrayList<>();

    @BeforeEach
    void open() throws FuseException {
        fs = LocalFileSystem.open(Settings.parse(Map.of("root", dir.toString())));
    }

    @AfterEach
    void close() {
        releaseDescriptors();
        fs.close();
    }

    /**
     * Runs every creation once with descriptors to spare, then removes what it made: the classes and native call
     * handles they need are loaded before the table is full (a class loaded then would fail to open its jar).
     */
    private void warmUp() throws Exception {
        Node root = fs.root();
        var created = fs.create(ROOT, root, "w1", O_RDWR | O_CREAT, 0644);
        fs.release(created.opened().handle());
        Entry node = fs.mknod(ROOT, root, "w2", S_IFREG | 0644, 0);
        fs.mkdir(ROOT, root, "w3", 0755);
        fs.symlink(ROOT, root, "w4", "target");
        fs.link(ROOT, node.node(), root, "w5");
        assertThrows(FuseException.class, () -> fs.mknod(ROOT, root, "w2", S_IFREG | 0644, 0));
        for (String name : List.of("w1", "w2", "w4", "w5")) {
            Files.delete(dir.resolve(name));
        }
        Files.delete(dir.resolve("w3"));
    }

    /** Fills the descriptor table but for {@code spare} free slots. */
    private void exhaustDescriptorsBut(int spare) throws PosixException {
        try {
            while (true) {
                filler.add(Posix.dup(0));
            }
        } catch (PosixException e) {
            assertEquals(Errno.EMFILE, e.errno(), "filling the descriptor table");
        }
        for (int i = 0; i < spare; i++) {
            Posix.close(filler.removeLast());
        }
    }

    private void releaseDescriptors() {
        filler.forEach(Posix::closeQuietly);
        filler.clear();
    }

    private Errno failsWhileExhausted(int spare, Executable call) throws PosixException {
        exhaustDescriptorsBut(spare);
        try {
            return assertThrows(FuseException.class, call).errno();
        } finally {
            releaseDescriptors();
        }
    }

    @Test
    void aCreateWhoseNodeCannotBeOpenedLeavesNoFile() throws Exception {
        warmUp();
        Node root = fs.root();
        // One slot: the new file's descriptor opens, the node's O_PATH descriptor does not.
        assertEquals(Errno.EMFILE, failsWhileExhausted(1, () -> fs.create(ROOT, root, "f", O_RDWR | O_CREAT, 0644)));
        assertFalse(Files.exists(dir.resolve("f"), LinkOption.NOFOLLOW_LINKS), "the file was left behind");
    }

    @Test
    void mknodMkdirSymlinkAndLinkThatCannotOpenTheirNodeLeaveNothing() throws Exception {
        warmUp();
        Node root = fs.root();
        Entry existing = fs.mknod(ROOT, root, "existing", S_IFREG | 0644, 0);
        assertEquals(Errno.EMFILE, failsWhileExhausted(0, () -> fs.mknod(ROOT, root, "n", S_IFREG | 0644, 0)));
        assertEquals(Errno.EMFILE, failsWhileExhausted(0, () -> fs.mkdir(ROOT, root, "d", 0755)));
        assertEquals(Errno.EMFILE, failsWhileExhausted(0, () -> fs.symlink(ROOT, root, "s", "target")));
        assertEquals(Errno.EMFILE, failsWhileExhausted(0, () -> fs.link(ROOT, existing.node(), root, "l")));
        try (var listing = Files.list(dir)) {
            assertEquals(List.of("existing"), listing.map(p -> p.getFileName().toString()).toList());
        }
        assertEquals(1, Files.getAttribute(dir.resolve("existing"), "unix:nlink"), "the hard link was left");
    }
}
