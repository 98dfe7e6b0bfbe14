package fuse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import fuse.testkit.Wait;

/**
 * HTTP turned on as a user does ({@code FUSE_HTTP}, {@code FUSE_CONSOLE_PASSWORD}): {@code /metrics} parsed by the
 * Prometheus client's own parser, the web console's password and form token, and the FUSE tab in headless
 * Chromium (screenshot, swap, unmount through the page).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(120)
class HttpTest {
    private static final String PASSWORD = "e2e-" + Long.toHexString(System.nanoTime());
    static final Path SCREENSHOT = Container.PROJECT.resolve("fuse.e2e/target/webconsole-fuse.png");

    @TempDir
    static Path base;

    private Container container;
    private String origin;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @BeforeAll
    void start() throws Exception {
        int port = freePort();
        origin = "http://127.0.0.1:" + port;
        // the web console's INFO line
        container = Container.start(base, "FUSE_HTTP=127.0.0.1:" + port, "FUSE_CONSOLE_PASSWORD=" + PASSWORD,
                Container.INFO_ON_CONSOLE);
        container.awaitLine(line -> line.contains("web console on for user fuse"));
        container.awaitLine(line -> line.contains("Welcome to Apache Felix Gogo"));
    }

    @AfterAll
    void stop() throws Exception {
        if (container != null) {
            container.close();
        }
    }

    private HttpResponse<String> get(String path, String user, String password) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(origin + path)).timeout(Duration.ofSeconds(10));
        if (user != null) {
            request.header("Authorization", basic(user, password));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** {@code name{label=value,...}} (labels sorted) to value, as the Python parser read them. */
    private static Map<String, Double> parse(String exposition, Map<String, String> types) throws Exception {
        Map<String, Double> samples = new HashMap<>();
        for (String line : Python.run("parse_metrics.py", exposition, 30).lines().toList()) {
            String[] f = line.split("\\|", -1);
            types.put(f[0], f[1]);
            samples.put(f[2] + "{" + f[3] + "}", Double.parseDouble(f[4]));
        }
        return samples;
    }

    @Test
    @Order(1)
    void metricsAreValidPrometheusTextWithEveryFigure() throws Exception {
        Path mnt = container.mountpoint;
        Io.write(mnt.resolve("through.txt"), "passed through");
        assertEquals("passed through", Io.read(mnt.resolve("through.txt")));
        container.command("fuse:policy " + mnt + " rules '*.log:java'");
        byte[] data = new byte[8192];
        Io.call(() -> Files.write(mnt.resolve("served.log"), data));
        assertEquals(data.length, (int) Io.call(() -> Files.readAllBytes(mnt.resolve("served.log")).length));

        HttpResponse<String> response = get("/metrics", null, null);
        assertEquals(200, response.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8",
                response.headers().firstValue("Content-Type").orElse("").toLowerCase());
        Map<String, String> types = new HashMap<>();
        Map<String, Double> samples = parse(response.body(), types);
        String m = "mountpoint=" + mnt;

        assertEquals("counter", types.get("fuse_requests"));
        assertEquals("summary", types.get("fuse_request_duration_seconds"));
        assertEquals("gauge", types.get("fuse_backing_ids"));
        assertTrue(samples.get("fuse_requests_total{" + m + ",opcode=CREATE}") >= 2, samples::toString);
        assertTrue(samples.containsKey("fuse_request_errors_total{" + m + ",opcode=CREATE}"));
        assertTrue(samples.get("fuse_request_duration_seconds{" + m + ",opcode=LOOKUP,quantile=0.99}") > 0);
        assertTrue(samples.get("fuse_request_duration_seconds_count{" + m + ",opcode=CREATE}") >= 2);
        assertTrue(samples.get("fuse_opens_total{mode=passthrough," + m + "}") >= 1, samples::toString);
        assertTrue(samples.get("fuse_opens_total{mode=java," + m + "}") >= 1, samples::toString);
        assertTrue(samples.get("fuse_java_written_bytes_total{" + m + "}") >= data.length);
        assertTrue(samples.get("fuse_java_read_bytes_total{" + m + "}") >= data.length);
        assertEquals(0.0, samples.get("fuse_passthrough_fallbacks_total{" + m + ",reason=NO_CAPABILITY}"));
        assertTrue(samples.containsKey("fuse_swaps_total{" + m + "}"));
        assertTrue(samples.containsKey("fuse_swap_stall_seconds_total{" + m + "}"));
        assertTrue(samples.containsKey("fuse_backend_waits_total{" + m + "}"));
        assertTrue(samples.keySet().stream().anyMatch(k -> k.startsWith("fuse_mount_info{backend=local,")
                && k.contains(m) && k.contains("state=SERVING")), samples::toString);
        // The transport the mount uses (io_uring where the kernel offers it), as fuse:mounts says it.
        String transport = transportOf(container.command("fuse:mounts"), mnt);
        assertTrue(samples.keySet().stream().anyMatch(k -> k.startsWith("fuse_mount_info{") && k.contains(m)
                && k.contains(",transport=" + transport + "}")), samples::toString);
    }

    /** The transport column ({@code 7.45 uring}: the word after the protocol) of {@code mountpoint}'s line. */
    private static String transportOf(String mounts, Path mountpoint) {
        String line = mounts.lines().filter(l -> l.startsWith(mountpoint + " ")).findFirst()
                .orElseThrow(() -> new AssertionError(mounts));
        Matcher m = Pattern.compile(" 7\\.\\d+ (uring|device) ").matcher(line);
        assertTrue(m.find(), line);
        return m.group(1);
    }

    @Test
    @Order(2)
    void theConsoleWantsTheConfiguredPasswordAndNoDefault() throws Exception {
        assertEquals(401, get("/system/console/fuse", null, null).statusCode());
        assertEquals(401, get("/system/console/fuse", "admin", "admin").statusCode());
        assertEquals(401, get("/system/console/fuse", "fuse", PASSWORD + "x").statusCode());
        HttpResponse<String> page = get("/system/console/fuse", "fuse", PASSWORD);
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("data-mountpoint='" + container.mountpoint + "'"), page.body());
    }

    @Test
    @Order(3)
    void anActionWithoutTheFormTokenIsRefused() throws Exception {
        HttpRequest post = HttpRequest.newBuilder(URI.create(origin + "/system/console/fuse"))
                .header("Authorization", basic("fuse", PASSWORD))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("action=unmount&mountpoint=" + container.mountpoint))
                .timeout(Duration.ofSeconds(10)).build();
        assertEquals(403, http.send(post, HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(1, Io.mountsAt(container.mountpoint).size(), "a POST without the token unmounted");
    }

    @Test
    @Order(4)
    void theFuseTabInChromiumSwapsAndUnmounts() throws Exception {
        AuditJar.deploy(container.home.resolve("load/fuse.backend.audit.jar"), 0);
        Wait.until(Duration.ofSeconds(20), "the audit backend to register",
                () -> container.command("fuse:backends").contains("audit"));
        String url = origin + "/system/console/fuse";
        String mnt = container.mountpoint.toString();
        Files.deleteIfExists(SCREENSHOT);
        String shown = Python.run("console_browser.py", "", 90, url, "fuse", PASSWORD, mnt, "screenshot",
                SCREENSHOT.toString());
        assertTrue(shown.contains("transport: " + transportOf(container.command("fuse:mounts"), container.mountpoint)),
                shown);
        byte[] png = Files.readAllBytes(SCREENSHOT);
        assertEquals(0x89, png[0] & 0xff, "not a PNG");
        assertEquals("PNG", new String(png, 1, 3, StandardCharsets.US_ASCII));

        String swapped = Python.run("console_browser.py", "", 90, url, "fuse", PASSWORD, mnt, "swap", "audit");
        assertTrue(swapped.contains("backend: audit"), swapped);
        assertTrue(container.command("fuse:mounts").lines().anyMatch(l -> l.contains(mnt) && l.contains("audit")));
        assertEquals("passed through", Io.read(container.mountpoint.resolve("through.txt")));

        String unmounted = Python.run("console_browser.py", "", 90, url, "fuse", PASSWORD, mnt, "unmount");
        assertTrue(unmounted.contains("state: gone"), unmounted);
        Wait.until(Duration.ofSeconds(10), "the unmount", () -> Io.mountsAt(container.mountpoint).isEmpty());
        assertFalse(container.command("fuse:mounts").contains(mnt));
    }

    static List<String> listeningSocketsOf(long pid) throws Exception {
        Process ss = new ProcessBuilder("ss", "-Hltnp").redirectErrorStream(true).start();
        String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(ss.waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
        return out.lines().filter(l -> l.contains("pid=" + pid + ",")).toList();
    }
}
