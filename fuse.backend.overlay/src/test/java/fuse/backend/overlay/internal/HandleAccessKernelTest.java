package fuse.backend.overlay.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import fuse.mount.testing.TestMount;
import fuse.posix.Linux;
import fuse.posix.Posix;

/**
 * An ordinary user (uid 65534) who creates a file with mode 0 in a world-writable directory of an
 * {@code allow_other,default_permissions} overlay mount gets the read-write descriptor it asked for, as on the host
 * (open(2) checks the mode only of a file that already existed), and every operation on that descriptor
 * (ftruncate, write, read, fallocate, fsync, fdatasync, fchmod, xattrs) goes by the descriptor's access, not by a
 * new check of the file's mode. Each step's result must be the host's, step by step, with and without passthrough.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HandleAccessKernelTest {

    /** Prints one line per step, "step -> OK [value]" or "step -> ERRNO", in the directory given. */
    private static final String SCRIPT = """
            import errno, os, sys
            os.chdir(sys.argv[1])
            os.umask(0o022)
            def step(name, call):
                try:
                    value = call()
                    print(name, "-> OK" + ("" if value is None else " " + str(value)))
                except OSError as e:
                    print(name, "->", errno.errorcode[e.errno])
            fd = None
            def create():
                global fd
                fd = os.open("f", os.O_CREAT | os.O_RDWR | os.O_EXCL, 0)
            step("create rdwr mode 0", create)
            if fd is None:
                sys.exit(0)
            step("ftruncate", lambda: os.ftruncate(fd, 10))
            step("write", lambda: os.pwrite(fd, b"hello", 0))
            step("read", lambda: os.pread(fd, 5, 0))
            step("fallocate", lambda: os.posix_fallocate(fd, 0, 8192))
            step("fsync", lambda: os.fsync(fd))
            step("fdatasync", lambda: os.fdatasync(fd))
            step("fsetxattr", lambda: os.setxattr(fd, "user.t", b"v"))
            step("fstat", lambda: oct(os.fstat(fd).st_mode) + " " + str(os.fstat(fd).st_size))
            step("fchmod", lambda: os.fchmod(fd, 0o600))
            step("fsetxattr after fchmod", lambda: os.setxattr(fd, "user.t", b"v"))
            step("fgetxattr", lambda: os.getxattr(fd, "user.t"))
            step("close", lambda: os.close(fd))
            step("reopen", lambda: os.close(os.open("f", os.O_RDWR)))
            def create_wronly_trunc():
                os.close(os.open("g", os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0))
            step("create wronly trunc mode 0", create_wronly_trunc)
            step("reopen mode 0", lambda: os.close(os.open("g", os.O_RDONLY)))
            """;

    @RegisterExtension
    final Fixture fx = new Fixture();
    private Path hostDir;

    @BeforeEach
    void setUp() throws Exception {
        fx.reachableByOthers();
        Fixture.dir(fx.lower1, "wtmp");
        Posix.fchmodat(Linux.AT_FDCWD, fx.lower1.resolve("wtmp").toString(), 01777, 0);
        hostDir = Files.createDirectory(fx.base.resolve("host"));
        Posix.fchmodat(Linux.AT_FDCWD, hostDir.toString(), 01777, 0);
    }

    @ParameterizedTest(name = "passthrough={0}")
    @ValueSource(booleans = {true, false})
    void theCreatorsDescriptorGoesByItsAccessAsOnTheHost(boolean passthrough) throws Exception {
        try (TestMount mount = fx.mount("allow_other", true, "default_permissions", true,
                "passthrough", passthrough)) {
            List<String> onHost = asNobody(mount, hostDir);
            List<String> onOverlay = asNobody(mount, mount.path("wtmp"));
            assertTrue(onHost.contains("create rdwr mode 0 -> OK") && onHost.contains("write -> OK 5"),
                    () -> "the host itself: " + onHost);
            assertEquals(String.join("\n", onHost), String.join("\n", onOverlay), "step by step, host vs overlay");
        }
    }

    private static List<String> asNobody(TestMount mount, Path dir) throws Exception {
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups", "/usr/bin/python3", "-c", SCRIPT, dir.toString()));
        return mount.run(Duration.ofSeconds(60), command.toArray(String[]::new)).lines().toList();
    }
}
