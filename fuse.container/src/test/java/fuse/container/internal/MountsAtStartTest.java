package fuse.container.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import fuse.channel.InitResult;
import fuse.mount.FuseMount;
import fuse.mount.MountState;

class MountsAtStartTest {
    private static final InitResult INIT = new InitResult(7, 45, 45, 0, 0, 1 << 20, 256, 0, 0, 0, 1, 1, true);

    @TempDir
    Path load;

    @Test
    void mountFilesAreFileInstallFactoryConfigurationsOfFuseMount() {
        assertTrue(MountsAtStart.isMountFile("fuse.mount-default.cfg"));
        assertTrue(MountsAtStart.isMountFile("fuse.mount-data.config"));
        assertFalse(MountsAtStart.isMountFile("fuse.mount.cfg"), "the factory PID itself, not a mount");
        assertFalse(MountsAtStart.isMountFile("fuse.mountx-a.cfg"));
        assertFalse(MountsAtStart.isMountFile("fuse.container.console.cfg"));
        assertFalse(MountsAtStart.isMountFile("fuse.mount-a.cfg.bak"));
        assertFalse(MountsAtStart.isMountFile("backend-audit.jar"));
    }

    @Test
    void aMountIsKeyedByItsFileWhenFileInstallMadeIt() {
        assertEquals("fuse.mount~data", MountsAtStart.keyOf("fuse.mount~data", null));
        assertEquals("fuse.mount-default.cfg",
                MountsAtStart.keyOf("fuse.mount~default", "file:/srv/fuse/load/fuse.mount-default.cfg"));
    }

    @Test
    void expectedAreTheTrustedMountFilesAndTheStoredConfigurations() throws Exception {
        write("fuse.mount-a.cfg", "rw-r--r--");
        write("fuse.mount-b.cfg", "rw-rw-rw-"); // the load folder guard refuses it: it will never mount
        write("fuse.container.console.cfg", "rw-r--r--");
        write("README", "rw-r--r--");

        MountsAtStart expected = MountsAtStart.of(load, List.of("fuse.mount~stored"));

        assertEquals(Set.of("fuse.mount-a.cfg", "fuse.mount~stored"), expected.keys());
    }

    @Test
    void withoutALoadFolderOnlyTheStoredConfigurationsAreExpected() throws Exception {
        assertEquals(Set.of("fuse.mount~x"), MountsAtStart.of(null, List.of("fuse.mount~x")).keys());
        assertEquals(Set.of(), MountsAtStart.of(load.resolve("missing"), List.of()).keys());
    }

    @Test
    void aMountIsUpOnceItAnswersOrHasFailed() {
        assertFalse(MountsAtStart.isUp(mount(MountState.STARTING, false)));
        assertFalse(MountsAtStart.isUp(mount(MountState.SERVING, false)), "mounted, but INIT not answered yet");
        assertTrue(MountsAtStart.isUp(mount(MountState.SERVING, true)));
        assertTrue(MountsAtStart.isUp(mount(MountState.WAITING_FOR_BACKEND, true)));
        assertTrue(MountsAtStart.isUp(mount(MountState.FAILED, false)));
        assertTrue(MountsAtStart.isUp(mount(MountState.UNMOUNTED, false)));
    }

    @Test
    void waitsForEveryExpectedKeyAndIgnoresOthers() {
        MountsAtStart expected = new MountsAtStart(Set.of("fuse.mount-a.cfg", "fuse.mount~b"));

        assertEquals(Set.of("fuse.mount-a.cfg", "fuse.mount~b"), expected.waitingFor(Map.of()));
        assertEquals(Set.of("fuse.mount~b"), expected.waitingFor(Map.of(
                "fuse.mount-a.cfg", mount(MountState.SERVING, true),
                "fuse.mount~b", mount(MountState.STARTING, false))));
        assertEquals(Set.of(), expected.waitingFor(Map.of(
                "fuse.mount-a.cfg", mount(MountState.SERVING, true),
                "fuse.mount~b", mount(MountState.FAILED, false),
                "fuse.mount~unexpected", mount(MountState.STARTING, false))));
    }

    private void write(String name, String mode) throws Exception {
        Path file = Files.writeString(load.resolve(name), "mountpoint=/mnt\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    }

    /** A mount service reduced to what the console start looks at. */
    private static FuseMount mount(MountState state, boolean initDone) {
        return (FuseMount) Proxy.newProxyInstance(FuseMount.class.getClassLoader(), new Class<?>[] {FuseMount.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "state" -> state;
                    case "init" -> initDone ? Optional.of(INIT) : Optional.empty();
                    case "toString" -> "mount " + state;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
