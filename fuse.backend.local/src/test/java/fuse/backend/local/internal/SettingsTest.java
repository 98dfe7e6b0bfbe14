package fuse.backend.local.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.api.policy.PassthroughPolicy;

/** The local backend's own setting (root); the policy's are fuse.api's PassthroughPolicyTest. */
class SettingsTest {

    @Test
    void rootAndPolicyAreParsed() throws FuseException {
        Settings settings = Settings.parse(Map.of("root", "/tmp/../srv", "policy", "never"));
        assertEquals(Path.of("/srv"), settings.root());
        assertSame(PassthroughPolicy.NEVER, settings.policy());
    }

    @Test
    void rootErrorsAreEinvalNamingTheSetting() {
        assertEquals("root: must be set to the host directory to serve", error(Map.of()));
        assertEquals("root: must be an absolute path, got 'data'", error(Map.of("root", "data")));
        assertEquals("root: expected a path string, got Long 5", error(Map.of("root", 5L)));
        assertEquals("policy: expected always, never or rules, got Boolean true",
                error(Map.of("root", "/tmp", "policy", true)));
    }

    private static String error(Map<String, Object> configuration) {
        FuseException e = assertThrows(FuseException.class, () -> Settings.parse(configuration));
        assertEquals(Errno.EINVAL, e.errno());
        return e.getMessage();
    }
}
