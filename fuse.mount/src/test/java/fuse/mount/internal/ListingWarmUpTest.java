package fuse.mount.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import fuse.mount.MountException;

/** What the warm-up's own core is configured with: nothing of the mount's but its backend. */
class ListingWarmUpTest {
    private static final Path WARM_UP_DIR = Path.of("/tmp/fuse-warm-up-test");

    @Test
    void theWarmUpServesItsOwnDirectoryAndNoSettingOfTheMount() throws MountException {
        MountConfig mount = MountConfig.parse("m", Map.of("mountpoint", "/mnt/data", "backend", "overlay",
                "root", "/srv/data", "lowerdir", "/srv/lower", "upperdir", "/srv/upper", "policy", "never",
                "passthrough", "true", "threads", "4", "coherence", "watch"));

        MountConfig warmUp = ListingWarmUp.configuration(mount, WARM_UP_DIR);

        assertEquals("overlay", warmUp.backend(), "the mount's backend");
        assertEquals(WARM_UP_DIR, warmUp.mountpoint());
        assertEquals(Map.of("root", WARM_UP_DIR.toString()), warmUp.backendSettings(),
                "only its own directory as root, none of the mount's backend settings");
        assertFalse(warmUp.properties().values().stream().anyMatch(v -> v.toString().startsWith("/srv")
                || v.toString().startsWith("/mnt")), "no path of the mount's: " + warmUp.properties());
        assertFalse(warmUp.passthrough());
        assertEquals(1, warmUp.threads());
        assertEquals(MountConfig.Coherence.TIMEOUT, warmUp.coherence(), "no watch of the host");
        assertFalse(warmUp.warmUp(), "a warm-up does not warm up");
    }

    @Test
    void noWarmUpWhileNoBackendServesTheMountForAnotherBackendOrWhenTurnedOff() throws MountException {
        MountConfig mount = MountConfig.parse("m", Map.of("mountpoint", "/mnt/data", "backend", "local"));
        MountConfig off = MountConfig.parse("m", Map.of("mountpoint", "/mnt/data", "warm_up", "false"));
        BackendRef overlay = BackendRef.of("overlay", context -> {
            throw new AssertionError("not opened");
        }, 1);

        assertEquals(Optional.empty(), ListingWarmUp.beside(mount, List.of(), MountCore.byName("local")));
        assertEquals(Optional.empty(), ListingWarmUp.beside(mount, List.of(overlay), MountCore.byName("local")));
        assertEquals(Optional.empty(), ListingWarmUp.beside(off, List.of(overlay), MountCore.byName("overlay")));
        MountConfig overlayMount = MountConfig.parse("m", Map.of("mountpoint", "/mnt/data", "backend", "overlay"));
        assertEquals(Optional.empty(), ListingWarmUp.beside(overlayMount, List.of(overlay),
                MountCore.byName("overlay")), "only the local backend is opened on the warm-up's directory");
    }

    @Test
    void warmUpIsOnUnlessTurnedOff() throws MountException {
        assertTrue(MountConfig.parse("m", Map.of("mountpoint", "/mnt/data")).warmUp());
        assertFalse(MountConfig.parse("m", Map.of("mountpoint", "/mnt/data", "warm_up", "false")).warmUp());
    }
}
