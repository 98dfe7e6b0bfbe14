package fuse.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import fuse.testkit.Wait;

/** The container as a user runs it: bundles, components, hot deployment and bad input. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class ContainerTest {
    private static final Pattern BUNDLE_LINE = Pattern.compile("^\\s*(\\d+)\\|(\\w+)\\s*\\|.*\\|(.*)$");
    /** The console's log format (fuse.dist/logback.xml): {@code 16:01:09.094 [thread] ERROR logger - text}. */
    private static final Pattern SIMPLE_LOGGER_LINE =
            Pattern.compile("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\[.+\\] (ERROR|WARN) ");

    @TempDir
    static Path base;

    private Container container;

    @BeforeAll
    void start() throws Exception {
        container = Container.start(base);
        container.awaitLine(line -> line.contains("Welcome to Apache Felix Gogo"));
    }

    @AfterAll
    void stop() throws Exception {
        if (container != null) {
            container.close();
        }
    }

    @Test
    void everyBundleIsActive() throws Exception {
        String lb = container.command("lb");
        List<String> bundles = lb.lines().filter(line -> BUNDLE_LINE.matcher(line).matches()).toList();
        assertTrue(bundles.size() >= 22, () -> "expected the whole runtime, got:\n" + lb);
        for (String bundle : bundles) {
            // Gogo JLine: resolved for its commands, its own shell never started (fuse.shell's Console is the console)
            String expected = bundle.contains("Gogo JLine") ? "|Resolved" : "|Active";
            assertTrue(bundle.contains(expected), () -> "not " + expected + ": " + bundle + "\n" + lb);
        }
        for (String name : List.of("fuse.api", "fuse.posix", "fuse.channel", "fuse.passthrough", "fuse.mount",
                "fuse.backend.local", "fuse.backend.overlay", "fuse.shell", "fuse.container",
                "Apache Felix Declarative Services", "Apache Felix File Install", "Apache Felix Metatype Service",
                "Apache Felix Configuration Admin Service", "Apache Felix Gogo JLine Shell")) {
            assertTrue(lb.contains(name), () -> name + " missing from:\n" + lb);
        }
    }

    @Test
    void componentsAreListed() throws Exception {
        String components = container.command("scr:list");
        assertTrue(components.contains("fuse.container.internal.LogServiceToSlf4j"), components);
        assertTrue(components.contains("ACTIVE"), components);
    }

    /**
     * SLF4J lives on the framework's class path (no SPI Fly): a bundle's log line must come out formatted by
     * logback, on the console and in the log file. FileInstall's complaint about a bad file is one.
     */
    @Test
    void logLinesReachTheConsoleAndTheLogFile() throws Exception {
        Path log = container.home.resolve("runtime/log/fuse.log");
        Path cfg = container.home.resolve("load/e2e-log-line.cfg");
        int from = container.lineCount();
        Files.writeString(cfg, "answer=\\u12zz\n");
        try {
            String line = container.awaitLine(from, l -> l.contains("e2e-log-line.cfg"), Duration.ofSeconds(15));
            assertTrue(SIMPLE_LOGGER_LINE.matcher(line).find(), () -> "not formatted by logback: " + line);
            // The console and the file are written one after the other: the file may be a moment behind.
            Wait.until(Duration.ofSeconds(5), "the line in the log file",
                    () -> Files.readString(log).contains("e2e-log-line.cfg"));
        } finally {
            Files.deleteIfExists(cfg);
        }
        assertFalse(container.outputSoFar().contains("NOP"), "SLF4J fell back to the NOP logger");
    }

    @Test
    void bundleDroppedIntoLoadIsStartedAndRemovedAgain() throws Exception {
        Path jar = container.home.resolve("load/e2e.dropped.jar");
        writeBundle(jar, "e2e.dropped");
        awaitCommandOutput("lb e2e.dropped", out -> out.contains("Active") && out.contains("e2e.dropped"));
        Files.delete(jar);
        awaitCommandOutput("lb e2e.dropped", out -> out.contains("No matching bundles"));
    }

    @Test
    void configurationWithSyntaxErrorGivesOneClearLineAndTheContainerGoesOn() throws Exception {
        int from = container.lineCount();
        Files.writeString(container.home.resolve("load/broken.cfg"), "answer=\\u12zz\n");
        String line = container.awaitLine(from, l -> l.contains("broken.cfg"), Duration.ofSeconds(15));
        assertTrue(line.contains("ERROR") && line.contains("Unable to parse unicode value"), line);
        assertTrue(container.command("echo still-alive").contains("still-alive"));
        // A stack trace would have been written with the error line, so before the echo's answer.
        assertFalse(container.outputSoFar().contains("\tat org.apache.felix.fileinstall"),
                "a stack trace reached the console");
    }

    private void awaitCommandOutput(String command, java.util.function.Predicate<String> ok) {
        String[] out = {""};
        Wait.until(Duration.ofSeconds(15), () -> "the expected output of '" + command + "'; last:\n" + out[0], () -> {
            out[0] = container.command(command);
            return ok.test(out[0]);
        });
    }

    @Test
    void unknownConfigurationKeyGetsOneClearWarning() throws Exception {
        int from = container.lineCount();
        Path mountpoint = Files.createDirectories(base.resolve("typo-mnt"));
        Path cfg = container.home.resolve("runtime/typo.cfg");
        Files.writeString(cfg, "mountpoint=" + mountpoint + "\nbackend=local\nroot=" + container.source
                + "\nrooot=/srv/typo\n");
        Files.move(cfg, container.home.resolve("load/fuse.mount-typo.cfg"));
        String warning = container.awaitLine(from, l -> l.contains("unknown setting"), Duration.ofSeconds(20));
        assertTrue(warning.contains("WARN") && warning.contains("'rooot'") && warning.contains("backend local"),
                warning);
        Files.delete(container.home.resolve("load/fuse.mount-typo.cfg"));
    }

    @Test
    void artifactsOtherUsersCanWriteAreRefused() throws Exception {
        int from = container.lineCount();
        Path jar = container.home.resolve("load/e2e.unsafe.jar");
        writeBundle(jar, "e2e.unsafe", "rw-rw-rw-");
        dropOwnedByNobody("unsafe.cfg", "answer=42\n");
        String jarLine = container.awaitLine(from, l -> l.contains("Refusing") && l.contains("e2e.unsafe.jar"),
                Duration.ofSeconds(15));
        assertTrue(jarLine.contains("writable by other users (mode 0666)"), jarLine);
        String cfgLine = container.awaitLine(from, l -> l.contains("Refusing") && l.contains("unsafe.cfg"),
                Duration.ofSeconds(15));
        assertTrue(cfgLine.contains("owned by uid 65534"), cfgLine);
        assertTrue(container.command("lb e2e.unsafe").contains("No matching bundles"));
    }

    /** Writes a file owned by uid 65534 beside {@code load/}, then moves it in; answers where it is. */
    private Path dropOwnedByNobody(String name, String content) throws IOException {
        Path staged = container.home.resolve("runtime/" + name);
        Files.writeString(staged, content);
        Files.setAttribute(staged, "unix:uid", 65534);
        return Files.move(staged, container.home.resolve("load/" + name));
    }

    /** A file refused as untrusted is loaded once it is fixed (owner, mode), with no change to its content. */
    @Test
    void refusedFilesAreLoadedOnceTheReasonIsGone() throws Exception {
        int from = container.lineCount();
        Path jar = container.home.resolve("load/e2e.fixed.jar");
        writeBundle(jar, "e2e.fixed", "rw-rw-rw-");
        // A mount configuration without mountpoint: it shows in fuse:mounts once loaded, and mounts nothing.
        Path cfg = dropOwnedByNobody("fuse.mount-e2e-nomp.cfg", "backend=local\nroot=" + container.source + "\n");
        container.awaitLine(from, l -> l.contains("Refusing") && l.contains("e2e.fixed.jar"), Duration.ofSeconds(15));
        container.awaitLine(from, l -> l.contains("Refusing") && l.contains("fuse.mount-e2e-nomp.cfg"),
                Duration.ofSeconds(15));
        try {
            Files.setPosixFilePermissions(jar, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            Files.setAttribute(cfg, "unix:uid", 0);
            awaitCommandOutput("lb e2e.fixed", out -> out.contains("Active") && out.contains("e2e.fixed"));
            // The configuration names no mountpoint: "-", and the problem says so (not "/").
            awaitCommandOutput("fuse:mounts", out -> out.lines().anyMatch(l -> l.startsWith("- ") && l.contains("FAILED"))
                    && out.contains("-: no mountpoint"));
        } finally {
            Files.deleteIfExists(cfg);
            Files.deleteIfExists(jar);
        }
        awaitCommandOutput("lb e2e.fixed", out -> out.contains("No matching bundles"));
    }

    /** The folder made unsafe refuses a new file; fixing the folder and a touch load it. */
    @Test
    void filesRefusedForAnUnsafeFolderAreLoadedOnceTheFolderIsFixed() throws Exception {
        Path load = container.home.resolve("load");
        var mode = Files.getPosixFilePermissions(load);
        Path jar = load.resolve("e2e.folder.jar");
        int from = container.lineCount();
        try {
            Files.setPosixFilePermissions(load, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            writeBundle(jar, "e2e.folder");
            String line = container.awaitLine(from, l -> l.contains("Refusing") && l.contains("e2e.folder.jar"),
                    Duration.ofSeconds(15));
            assertTrue(line.contains("is unsafe") && line.contains("writable by other users"), line);
            Files.setPosixFilePermissions(load, mode);
            Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
            awaitCommandOutput("lb e2e.folder", out -> out.contains("Active") && out.contains("e2e.folder"));
        } finally {
            Files.setPosixFilePermissions(load, mode);
            Files.deleteIfExists(jar);
        }
        awaitCommandOutput("lb e2e.folder", out -> out.contains("No matching bundles"));
    }

    /**
     * A jar that is no bundle gets one warning naming it and why, on the console and in the log, and is not
     * looked at again until it changes; fixed, it is installed.
     */
    @Test
    void jarsThatAreNoBundleGetOneWarningAndLoadOnceFixed() throws Exception {
        Path load = container.home.resolve("load");
        byte[] junk = new byte[4096];
        new java.util.Random(23).nextBytes(junk);
        byte[] zipHeaderThenJunk = junk.clone();
        System.arraycopy(new byte[] {'P', 'K', 3, 4}, 0, zipHeaderThenJunk, 0, 4);
        Path noManifest = container.home.resolve("runtime/e2e.nomanifest.jar");
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(noManifest))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("hello.txt"));
            zip.write("hello".getBytes());
        }
        Path noName = container.home.resolve("runtime/e2e.noname.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (OutputStream out = Files.newOutputStream(noName); JarOutputStream ignored = new JarOutputStream(out,
                manifest)) {
            // a plain jar: a manifest without Bundle-SymbolicName
        }
        Map<String, String> expected = new java.util.LinkedHashMap<>();
        expected.put("e2e.random.jar", "not a valid jar");
        expected.put("e2e.zipjunk.jar", "not a valid jar");
        expected.put("e2e.nomanifest.jar", "no META-INF/MANIFEST.MF");
        expected.put("e2e.noname.jar", "no Bundle-SymbolicName");
        int from = container.lineCount();
        try {
            Files.write(container.home.resolve("runtime/e2e.random.jar"), junk);
            Files.write(container.home.resolve("runtime/e2e.zipjunk.jar"), zipHeaderThenJunk);
            for (String name : expected.keySet()) {
                Files.move(container.home.resolve("runtime/" + name), load.resolve(name));
            }
            for (var entry : expected.entrySet()) {
                String line = container.awaitLine(from, l -> l.contains(entry.getKey()), Duration.ofSeconds(15));
                assertTrue(line.contains("WARN") && line.contains(entry.getValue()), line);
            }
            // A bundle dropped after them and started proves FileInstall scanned again meanwhile: no second line.
            writeBundle(load.resolve("e2e.barrier.jar"), "e2e.barrier");
            awaitCommandOutput("lb e2e.barrier", out -> out.contains("Active"));
            String output = container.outputSoFar();
            String log = Files.readString(container.home.resolve("runtime/log/fuse.log"));
            for (String name : expected.keySet()) {
                assertEquals(1, output.lines().skip(from).filter(l -> l.contains(name)).count(), output);
                assertTrue(log.lines().anyMatch(l -> l.contains("WARN") && l.contains(name)), name + " not logged");
            }
            writeBundle(load.resolve("e2e.nomanifest.jar"), "e2e.nomanifest");
            awaitCommandOutput("lb e2e.nomanifest", out -> out.contains("Active") && out.contains("e2e.nomanifest"));
        } finally {
            for (String name : expected.keySet()) {
                Files.deleteIfExists(load.resolve(name));
            }
            Files.deleteIfExists(load.resolve("e2e.barrier.jar"));
        }
    }

    static void writeBundle(Path jar, String symbolicName) throws IOException {
        writeBundle(jar, symbolicName, "rw-r--r--");
    }

    static void writeBundle(Path jar, String symbolicName, String permissions) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", symbolicName);
        main.putValue("Bundle-Version", "1.0.0");
        // Written beside load/, then moved in: FileInstall must never see a half-written jar.
        Path tmp = jar.getParent().resolveSibling(jar.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp); JarOutputStream ignored = new JarOutputStream(out, manifest)) {
            // a bundle with only a manifest is enough to show install, start and uninstall
        }
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString(permissions));
        Files.move(tmp, jar, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void sigtermStopsTheContainerCleanly() throws Exception {
        try (Container second = Container.start(base.resolve("second"))) {
            second.awaitLine(line -> line.contains("Welcome to Apache Felix Gogo"));
            second.process().destroy(); // SIGTERM: ./run exec'd the JVM, so this is the container itself
            int exit = second.awaitExit(Duration.ofSeconds(30));
            assertTrue(exit == 0 || exit == 117 || exit == 143, "exit code " + exit);
            assertEquals(-1, second.outputSoFar().indexOf("Exception"), second.outputSoFar());
        }
    }
}
