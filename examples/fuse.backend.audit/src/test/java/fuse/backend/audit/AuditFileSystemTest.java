package fuse.backend.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import fuse.api.Caller;
import fuse.api.Created;
import fuse.api.Entry;
import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.api.Handle;
import fuse.api.Node;
import fuse.api.Opened;
import fuse.posix.Linux;
import fuse.testkit.TestCaller;

/** The backend through its SPI, on a real directory (no mount needed). */
class AuditFileSystemTest {
    private static final Caller CALLER = TestCaller.root(022);

    @TempDir
    Path root;

    private AuditFileSystem fs;

    private AuditFileSystem open(Object... settings) throws FuseException {
        Map<String, Object> configuration = new HashMap<>();
        configuration.put("root", root.toString());
        for (int i = 0; i < settings.length; i += 2) {
            configuration.put((String) settings[i], settings[i + 1]);
        }
        fs = AuditFileSystem.open(Settings.parse(configuration), "/test");
        return fs;
    }

    @AfterEach
    void close() {
        if (fs != null) {
            fs.close();
        }
    }

    @Test
    void auditedFilesAreServedInJavaAndTheRestPassesThrough() throws Exception {
        Files.writeString(root.resolve("app.log"), "log line");
        Files.writeString(root.resolve("data.bin"), "binary");
        open();
        Opened log = fs.open(CALLER, fs.lookup(CALLER, fs.root(), "app.log").node(), Linux.O_RDONLY);
        Opened data = fs.open(CALLER, fs.lookup(CALLER, fs.root(), "data.bin").node(), Linux.O_RDONLY);
        assertInstanceOf(Opened.Served.class, log);
        Opened.Passthrough passthrough = assertInstanceOf(Opened.Passthrough.class, data);
        assertTrue(passthrough.backingFd() >= 0);
        assertEquals("log line", read(log.handle(), 64));
        assertEquals("binary", read(data.handle(), 64), "a passthrough handle serves reads too (fallback)");
        fs.release(log.handle());
        fs.release(data.handle());
    }

    @Test
    void theAuditGlobIsASetting() throws Exception {
        Files.writeString(root.resolve("key.pem"), "secret");
        Files.writeString(root.resolve("app.log"), "log");
        open("audit", "*.{pem,key}");
        assertInstanceOf(Opened.Served.class, fs.open(CALLER, lookup("key.pem"), Linux.O_RDONLY));
        assertInstanceOf(Opened.Passthrough.class, fs.open(CALLER, lookup("app.log"), Linux.O_RDONLY));
    }

    @Test
    void readOnlyByDefault() throws Exception {
        Files.writeString(root.resolve("f.txt"), "x");
        open();
        Node file = lookup("f.txt");
        assertErrno(Errno.EROFS, () -> fs.open(CALLER, file, Linux.O_WRONLY));
        assertErrno(Errno.EROFS, () -> fs.open(CALLER, file, Linux.O_RDONLY | Linux.O_TRUNC));
        assertErrno(Errno.EROFS, () -> fs.create(CALLER, fs.root(), "new", Linux.O_WRONLY, 0644));
        assertErrno(Errno.EROFS, () -> fs.unlink(CALLER, fs.root(), "f.txt"));
        assertErrno(Errno.EROFS, () -> fs.mkdir(CALLER, fs.root(), "d", 0755));
        assertTrue(Files.exists(root.resolve("f.txt")));
    }

    @Test
    void writableCreatesWritesRenamesAndRemoves() throws Exception {
        open("writable", "true");
        // As the kernel sends it: the mode with the file type.
        Created created = fs.create(CALLER, fs.root(), "new.log", Linux.O_RDWR, Linux.S_IFREG | 0666);
        assertInstanceOf(Opened.Served.class, created.opened());
        assertEquals(0644, created.entry().attributes().permissions(), "the umask applies");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocateFrom("hello", StandardCharsets.UTF_8);
            assertEquals(6, fs.write(CALLER, created.opened().handle(), 0, data, false));
        }
        fs.release(created.opened().handle());
        Entry dir = fs.mkdir(CALLER, fs.root(), "dir", Linux.S_IFDIR | 0755);
        fs.rename(CALLER, fs.root(), "new.log", dir.node(), "moved.log", 0);
        assertEquals("hello\0", Files.readString(root.resolve("dir/moved.log")));
        // The node keeps working after the rename: it is the file, not its name.
        assertEquals(6, fs.getattr(CALLER, created.entry().node(), null).size());
        fs.unlink(CALLER, dir.node(), "moved.log");
        fs.rmdir(CALLER, fs.root(), "dir");
        assertFalse(Files.exists(root.resolve("dir")));
    }

    @Test
    void createOpensAFileThatIsThereUnlessExclusive() throws Exception {
        Files.writeString(root.resolve("there.log"), "kept");
        open("writable", "true");
        assertErrno(Errno.EEXIST, () -> fs.create(CALLER, fs.root(), "there.log", Linux.O_RDWR | Linux.O_EXCL,
                Linux.S_IFREG | 0666));
        Created created = fs.create(CALLER, fs.root(), "there.log", Linux.O_RDWR, Linux.S_IFREG | 0666);
        assertEquals(4, created.entry().attributes().size(), "opened as open(2) would, not made again");
        fs.release(created.opened().handle());
        assertEquals("kept", Files.readString(root.resolve("there.log")), "a failed or plain create leaves it");
    }

    @Test
    void namesCannotLeadOutsideTheRoot() throws Exception {
        Files.createSymbolicLink(root.resolve("escape"), Path.of("/etc"));
        open();
        assertErrno(Errno.EXDEV, () -> fs.lookup(CALLER, fs.root(), ".."));
        Entry link = fs.lookup(CALLER, fs.root(), "escape");
        assertEquals(Linux.S_IFLNK, link.attributes().mode() & Linux.S_IFMT, "the link itself, not /etc");
        assertEquals("/etc", fs.readlink(CALLER, link.node()));
        assertErrno(Errno.ENOTDIR, () -> fs.lookup(CALLER, link.node(), "passwd"));
    }

    @Test
    void equalNodesForTheSameFileAndReleaseLetsThemGo() throws Exception {
        Files.writeString(root.resolve("a"), "x");
        Files.createLink(root.resolve("b"), root.resolve("a"));
        open();
        Node a = lookup("a");
        Node b = lookup("b");
        assertEquals(a, b);
        fs.release(a);
        assertErrno(Errno.ESTALE, () -> fs.getattr(CALLER, a, null));
        Node again = lookup("b");
        assertNotEquals(a, again, "released: the file gets a new node");
        assertEquals(1, fs.getattr(CALLER, again, null).size());
        fs.release(again);
    }

    @Test
    void readdirResumesFromTheKernelsOffsets() throws Exception {
        for (int i = 0; i < 300; i++) {
            Files.writeString(root.resolve("file-" + i), "");
        }
        open();
        Handle dir = fs.opendir(CALLER, fs.root());
        List<String> names = new ArrayList<>();
        long[] offset = {0};
        int calls = 0;
        while (true) {
            int before = names.size();
            fs.readdir(CALLER, fs.root(), dir, offset[0], (name, inode, type, next) -> {
                if (names.size() - before == 50) {
                    return false; // a small reply buffer
                }
                names.add(name);
                offset[0] = next;
                return true;
            });
            calls++;
            if (names.size() == before) {
                break;
            }
        }
        fs.releasedir(dir);
        assertEquals(302, names.size(), "300 files, . and ..");
        assertEquals(302, names.stream().distinct().count());
        assertTrue(calls > 6);
    }

    @Test
    void badSettingsNameTheKey() {
        assertMessage("root: must be set to the host directory to serve", Map.of());
        assertMessage("root: must be an absolute path, got 'rel'", Map.of("root", "rel"));
        assertMessage("writable: must be true or false, got 'yes please'", Map.of("root", "/", "writable",
                "yes please"));
        FuseException e = assertThrows(FuseException.class, () -> AuditFileSystem.open(Settings.parse(
                Map.of("root", root.resolve("missing").toString())), "/test"));
        assertTrue(e.getMessage().startsWith("root: " + root.resolve("missing")), e.getMessage());
    }

    private Node lookup(String name) throws FuseException {
        return fs.lookup(CALLER, fs.root(), name).node();
    }

    private String read(Handle handle, int size) throws FuseException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(size);
            int n = fs.read(CALLER, handle, 0, buffer);
            return new String(buffer.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                    StandardCharsets.UTF_8);
        }
    }

    private static void assertMessage(String expected, Map<String, Object> configuration) {
        FuseException e = assertThrows(FuseException.class, () -> Settings.parse(configuration));
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals(expected, e.getMessage());
    }

    private static void assertErrno(Errno expected, org.junit.jupiter.api.function.Executable call) {
        FuseException e = assertThrows(FuseException.class, call);
        assertEquals(expected, e.errno(), e.getMessage());
    }
}
