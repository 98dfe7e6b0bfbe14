package fuse.e2e;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import fuse.testkit.Wait;

/**
 * {@code ./run}'s JVM AOT cache ({@code build/aot.sh}): the first start records what it loads, a background job
 * assembles the cache once that JVM has exited, the next start maps it, and a broken cache costs a start nothing
 * but the cache.
 */
@Timeout(300)
class AotCacheTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path base;

    @Test
    void firstStartRecordsTheNextUsesTheCacheAndABrokenCacheIsHarmless() throws Exception {
        Path aotDir = base.resolve("aot");
        String dir = "FUSE_AOT_DIR=" + aotDir;
        try (Container first = started(base.resolve("first"), dir)) {
            assertTrue(Files.isDirectory(aotDir), "no AOT directory made");
            assertFalse(mapsAnyCache(first, aotDir), "a cache was used before one was made");
            stop(first);
        }
        Path cache = awaitCache(aotDir);

        try (Container second = started(base.resolve("second"), dir)) {
            assertTrue(maps(second, cache), "the second start did not map " + cache);
            stop(second);
        }

        try (FileChannel channel = FileChannel.open(cache, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() / 2);
        }
        try (Container third = started(base.resolve("third"), dir)) {
            assertFalse(maps(third, cache), "the truncated cache was mapped");
            stop(third);
        }
    }

    private static Container started(Path base, String... env) throws Exception {
        Container container = Container.start(base, env);
        try {
            container.awaitLine(line -> line.contains("Welcome to Apache Felix Gogo"));
            new Shell(container).awaitServing(container.mountpoint, WAIT);
            return container;
        } catch (Throwable e) {
            container.close();
            throw e;
        }
    }

    private static void stop(Container container) throws Exception {
        container.send("stop 0");
        container.awaitExit(WAIT);
    }

    /** The assembled cache: the background job runs at nice 19, so it may take a while on a busy machine. */
    private static Path awaitCache(Path aotDir) throws Exception {
        Path[] found = new Path[1];
        Wait.until(Duration.ofSeconds(180), () -> "a cache in " + aotDir + ": " + listing(aotDir), () -> {
            found[0] = caches(aotDir).stream().findFirst().orElse(null);
            return found[0] != null;
        });
        return found[0];
    }

    private static List<Path> caches(Path aotDir) throws IOException {
        try (Stream<Path> files = Files.list(aotDir)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".aot")).toList();
        }
    }

    private static String listing(Path aotDir) {
        try (Stream<Path> files = Files.list(aotDir)) {
            return files.map(file -> file.getFileName().toString()).toList().toString();
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Whether the container's JVM ({@code ./run} execs it, so it is the started process) maps {@code file}. */
    private static boolean maps(Container container, Path file) throws IOException {
        return Files.readString(Path.of("/proc", Long.toString(container.process().pid()), "maps"))
                .contains(file.toString());
    }

    private static boolean mapsAnyCache(Container container, Path aotDir) throws IOException {
        return Files.readString(Path.of("/proc", Long.toString(container.process().pid()), "maps"))
                .contains(aotDir + "/");
    }
}
