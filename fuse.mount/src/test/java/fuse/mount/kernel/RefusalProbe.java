package fuse.mount.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import fuse.mount.testing.HostDirectoryBackend;
import fuse.mount.testing.TestMount;
import fuse.passthrough.PassthroughStatistics;

/**
 * Run in a JVM without CAP_SYS_ADMIN in the initial user namespace (see {@link RefusalKernelTest}): mounts a
 * backend that wants every file passed through, reads two files, and prints what happened.
 */
public final class RefusalProbe {
    private RefusalProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path backing = Files.createTempDirectory("fuse-refusal-");
        Files.writeString(backing.resolve("one"), "first file");
        Files.writeString(backing.resolve("two"), "second file");
        try (TestMount mount = TestMount.mount(HostDirectoryBackend.passthroughAll(backing), Map.of())) {
            String one = mount.io(() -> Files.readString(mount.path("one")));
            String two = mount.io(() -> Files.readString(mount.path("two")));
            PassthroughStatistics stats = mount.core().passthrough();
            System.out.println("content=" + (one.equals("first file") && two.equals("second file")));
            System.out.println("fallbacks=" + stats.fallbacks());
            System.out.println("passthroughOpens=" + stats.passthroughOpens());
            System.out.println("javaServedOpens=" + stats.javaServedOpens());
            System.out.println("passthroughEnabled=" + stats.passthroughEnabled());
            System.out.println("reads=" + mount.core().statistics().count("READ"));
        } finally {
            Files.deleteIfExists(backing.resolve("one"));
            Files.deleteIfExists(backing.resolve("two"));
            Files.deleteIfExists(backing);
        }
    }
}
