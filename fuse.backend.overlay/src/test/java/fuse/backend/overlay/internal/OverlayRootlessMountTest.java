package fuse.backend.overlay.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import fuse.api.FuseException;
import fuse.mount.testing.TestMount;
import fuse.posix.Posix;

/**
 * fuse-overlayfs's rootless options and kernel-written metadata-only copies through a real FUSE mount, driven by
 * ordinary system calls: {@code volatile} (the kernel's mark while mounted, none after a clean unmount, refused
 * when left behind), {@code squash_to_uid}/{@code squash_to_gid} (every file shown with one owner, nothing
 * changed on disk), {@code uidmapping}/{@code gidmapping} (ids shifted both ways), and a file the kernel copied up
 * metadata-only read with its lower data.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OverlayRootlessMountTest {
    @RegisterExtension
    final Fixture fx = Fixture.withSampleLowers();

    private Path volatileMark() {
        return fx.work.resolve(WorkDir.NAME).resolve(WorkDir.VOLATILE_MARK);
    }

    @Test
    void volatileMarksTheLayersWhileMountedAndSquashShowsOneOwner() throws Exception {
        try (TestMount mount = fx.mount(Settings.VOLATILE, true, Settings.SQUASH_TO_UID, 1234L,
                Settings.SQUASH_TO_GID, 4321L)) {
            Path created = mount.path("etc/created");
            mount.io(() -> {
                try (FileChannel out = FileChannel.open(created, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
                    out.write(ByteBuffer.wrap("synced?".getBytes(StandardCharsets.UTF_8)));
                    out.force(true); // answered without syncing the upper layer
                }
                return null;
            });
            assertTrue(Files.isDirectory(volatileMark()), "the kernel's volatile mark while mounted");
            for (String path : new String[] {"etc/created", "home/user/.profile", "etc", ""}) {
                Path p = path.isEmpty() ? mount.path() : mount.path(path);
                assertEquals(1234, (int) mount.io(() -> Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)),
                        path);
                assertEquals(4321, (int) mount.io(() -> Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS)),
                        path);
            }
            assertEquals(0, (int) Files.getAttribute(fx.upper.resolve("etc/created"), "unix:uid"), "on disk: root's");
            assertEquals(1000, (int) Files.getAttribute(fx.lower1.resolve("home/user/.profile"), "unix:uid"));
        }
        assertFalse(Files.exists(volatileMark().getParent()), "a clean unmount syncs and removes the mark");
        try (KernelOverlay kernel = fx.mountKernel()) {
            assertEquals("synced?", Files.readString(kernel.target.resolve("etc/created")));
        }
        // The kernel's volatile mount always leaves its mark: such layers are refused, as the kernel refuses them.
        try (KernelOverlay kernel = KernelOverlay.mount(fx.lowers(), fx.upper, fx.work, fx.mountpoint,
                "volatile,index=off,metacopy=off,xino=off,redirect_dir=off")) {
            Files.writeString(kernel.target.resolve("etc/by-kernel"), "k");
        }
        assertTrue(Files.isDirectory(volatileMark()));
        FuseException refused = assertThrows(FuseException.class, fx::open);
        assertTrue(refused.getMessage().startsWith("workdir: " + fx.work + "/work/incompat/volatile exists"),
                refused.getMessage());
        assertTrue(Files.isDirectory(volatileMark()), "the mark is kept");
    }

    @Test
    void idMappingsShowShiftedOwnersAndStoreThemBack() throws Exception {
        try (TestMount mount = fx.mount(Settings.UIDMAPPING, "1000:2000:10", Settings.GIDMAPPING, "1000:3000:10")) {
            Path home = mount.path("home/user");
            assertEquals(2000, (int) mount.io(() -> Files.getAttribute(home, "unix:uid")));
            assertEquals(3000, (int) mount.io(() -> Files.getAttribute(home, "unix:gid")));
            assertEquals(65534, (int) mount.io(() -> Files.getAttribute(mount.path("etc"), "unix:uid")),
                    "root on disk is outside the ranges: the overflow id");
            Path made = mount.path("home/user/made");
            mount.io(() -> {
                Files.writeString(made, "m");
                Posix.fchownat(fuse.posix.Linux.AT_FDCWD, made.toString(), 2003, 3004, 0);
                return null;
            });
            assertEquals(2003, (int) mount.io(() -> Files.getAttribute(made, "unix:uid")));
            assertEquals(3004, (int) mount.io(() -> Files.getAttribute(made, "unix:gid")));
        }
        assertEquals(1003, (int) Files.getAttribute(fx.upper.resolve("home/user/made"), "unix:uid"));
        assertEquals(1004, (int) Files.getAttribute(fx.upper.resolve("home/user/made"), "unix:gid"));
    }

    @Test
    void aMetadataOnlyCopyReadsItsLowerDataThroughTheMount() throws Exception {
        try (KernelOverlay kernel = KernelOverlay.mount(fx.lowers(), fx.upper, fx.work, fx.mountpoint,
                "index=off,metacopy=on,xino=off,redirect_dir=on")) {
            Posix.fchmodat(fuse.posix.Linux.AT_FDCWD, kernel.target.resolve("data/big").toString(), 0600, 0);
        }
        assertTrue(XattrIo.get(fx.upper.resolve("data/big").toString(), OverlayXattrs.TRUSTED_PREFIX + "metacopy",
                false) != null, "a metadata-only copy");
        byte[] upper = Files.readAllBytes(fx.upper.resolve("data/big"));
        assertTrue(upper.length > 0 && java.util.stream.IntStream.range(0, upper.length).allMatch(i -> upper[i] == 0),
                "the upper file holds no data, only its size");
        String lower = Files.readString(fx.lower1.resolve("data/big"));
        try (TestMount mount = fx.mount(Settings.METACOPY, "on")) {
            Path big = mount.path("data/big");
            assertEquals(lower, mount.io(() -> Files.readString(big)));
            assertEquals("rw-------", mount.io(() -> java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(big))));
            mount.io(() -> {
                try (FileChannel out = FileChannel.open(big, StandardOpenOption.WRITE)) {
                    out.write(ByteBuffer.wrap("X".getBytes(StandardCharsets.UTF_8)), 0);
                }
                return null;
            });
            assertEquals("X" + lower.substring(1), mount.io(() -> Files.readString(big)));
        }
        assertEquals("X" + lower.substring(1), Files.readString(fx.upper.resolve("data/big")));
        assertEquals(lower, Files.readString(fx.lower1.resolve("data/big")), "the lower layer is intact");
    }
}
