package fuse.mount.kernel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server without CAP_SYS_ADMIN in the initial user namespace: the kernel refuses every backing file, and the
 * mount must serve the files in Java, say why once, and stop asking.
 *
 * <p>The probe JVM runs in a new user and mount namespace ({@code unshare --user --map-root-user --mount}): there
 * it may mount FUSE (which is allowed in a user namespace), but {@code BACKING_OPEN} checks the capability in the
 * initial namespace. Dropping CAP_SYS_ADMIN with capsh or setpriv instead would also forbid the mount itself,
 * since this project mounts with mount(2) and no setuid fusermount helper is installed. This is exactly the
 * rootless container case.
 */
@Timeout(120)
class RefusalKernelTest {

    @Test
    void withoutCapSysAdminOpensFallBackAndWork() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = List.of("unshare", "--user", "--map-root-user", "--mount", java.toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                RefusalProbe.class.getName());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output;
        try {
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the probe did not finish in 90 s");
            }
        } finally {
            output = process.getInputStream().readAllBytes();
        }
        String text = new String(output, StandardCharsets.UTF_8);
        assertTrue(process.exitValue() == 0, () -> "probe failed:\n" + text);
        assertTrue(text.contains("content=true"), text);
        assertTrue(text.contains("fallbacks={NO_CAPABILITY=2}"), text);
        assertTrue(text.contains("passthroughOpens=0"), text);
        assertTrue(text.contains("javaServedOpens=2"), text);
        assertTrue(text.contains("passthroughEnabled=false"), text);
        assertTrue(text.contains("lacks CAP_SYS_ADMIN"), () -> "the reason is logged:\n" + text);
        assertTrue(text.indexOf("lacks CAP_SYS_ADMIN") == text.lastIndexOf("lacks CAP_SYS_ADMIN"),
                () -> "logged once:\n" + text);
    }
}
