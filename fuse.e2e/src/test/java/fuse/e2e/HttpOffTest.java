package fuse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import fuse.testkit.Wait;

/** Off by default, safe when on: no socket without FUSE_HTTP, and no way into the web console without a password. */
@Timeout(60)
class HttpOffTest {
    @TempDir
    Path base;

    @Test
    void aDefaultStartListensNowhere() throws Exception {
        try (Container container = Container.start(base)) {
            container.awaitLine(line -> line.contains("Welcome to Apache Felix Gogo"));
            // every bundle has started once the framework reached its final level
            Wait.until(Duration.ofSeconds(20), "start level 7",
                    () -> container.command("frameworklevel").contains("7"));
            List<String> sockets = HttpTest.listeningSocketsOf(container.process().pid());
            assertEquals(List.of(), sockets, "the container listens although FUSE_HTTP is unset");
            assertFalse(Files.exists(container.home.resolve("load/org.apache.felix.http.cfg")));
            assertFalse(container.outputSoFar().contains("Started Jetty"), container.outputSoFar());
        }
    }

    @Test
    void withoutAPasswordTheConsoleStaysOffAndSaysSoOnce() throws Exception {
        int port = HttpTest.freePort();
        try (Container container = Container.start(base, "FUSE_HTTP=" + port)) {
            container.awaitLine(line -> line.contains("web console off: no password set (PID fuse.webconsole"));
            container.awaitLine(line -> line.contains("Welcome to Apache Felix Gogo"));
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            String origin = "http://127.0.0.1:" + port;
            assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(origin + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            // The console refuses every login (the default admin/admin too) while its required provider is missing
            for (String page : List.of("/system/console/fuse", "/system/console/bundles")) {
                HttpRequest request = HttpRequest.newBuilder(URI.create(origin + page))
                        .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                                "admin:admin".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                        .build();
                assertEquals(401, http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode(), page);
            }
            List<String> sockets = HttpTest.listeningSocketsOf(container.process().pid());
            assertEquals(1, sockets.size(), sockets::toString);
            assertTrue(sockets.get(0).matches(".*\\[?(::ffff:)?127\\.0\\.0\\.1\\]?:" + port + " .*"), sockets::toString);
            assertEquals(1, container.outputSoFar().lines().filter(l -> l.contains("web console off")).count());
        }
    }
}
