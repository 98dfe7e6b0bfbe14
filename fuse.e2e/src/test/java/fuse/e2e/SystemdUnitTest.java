package fuse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped unit as bin/install-system installs it passes {@code systemd-analyze verify} without a warning (a
 * misspelt value is only a warning there, so the output must be empty too), and the mount helper is linked.
 */
@Timeout(60)
class SystemdUnitTest {
    @TempDir
    Path dest;

    @Test
    void theInstalledUnitVerifies() throws Exception {
        Cli install = Cli.run(Map.of("DESTDIR", dest.toString()), Cli.bin("install-system"));
        assertEquals(0, install.status(), install::toString);
        Path unit = dest.resolve("etc/systemd/system/fuse-osgi.service");
        String text = Files.readString(unit);
        assertTrue(text.contains("ExecStart=" + Container.PROJECT.resolve("run") + "\n"), text);
        assertTrue(text.contains("Type=notify") && text.contains("DeviceAllow=/dev/fuse rw"), text);
        assertEquals(Container.PROJECT.resolve("bin/mount.fuse.osgi"),
                Files.readSymbolicLink(dest.resolve("sbin/mount.fuse.osgi")));

        Cli verify = Cli.run(Map.of(), List.of("systemd-analyze", "verify", unit.toString()));
        assertEquals(0, verify.status(), verify::toString);
        assertEquals("", verify.out() + verify.err(), verify::toString);
    }
}
