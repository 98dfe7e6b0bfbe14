package fuse.backend.local.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import fuse.mount.testing.TestMount;
import fuse.testkit.posix.Python;

/**
 * Several processes change one small tree through the mount at once, at random (stress.py): renames over each
 * other, hard links, directories appearing and vanishing. Every call must end in an error the host's own file
 * system gives for such races, never EIO or ESTALE, and afterwards the mount shows exactly the host's tree:
 * names, types, sizes, contents, link counts and inode numbers.
 */
@Timeout(120)
class ConcurrencyKernelTest {
    private static final int WORKERS = 4;
    /** What a race on a local file system can answer; anything else is the mount's doing. */
    private static final String EXPECTED = "OK|ENOENT|EEXIST|ENOTEMPTY|EISDIR|ENOTDIR|EINVAL|EPERM";

    @TempDir
    Path root;

    @ParameterizedTest(name = "policy={0}")
    @ValueSource(strings = {"always", "never"})
    void concurrentChangesLeaveTheHostsTree(String policy) throws Exception {
        for (int d = 0; d < 3; d++) {
            Files.createDirectory(root.resolve("d" + d));
        }
        // Four reader threads: requests of different workers also run concurrently in the server.
        try (TestMount mount = LocalMounts.mount(root, policy, Map.of("threads", WORKERS));
                ExecutorService threads = Executors.newFixedThreadPool(WORKERS)) {
            // A thread per worker: the common pool may have a single thread on a small machine.
            List<CompletableFuture<String>> workers = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                String seed = Integer.toString(w);
                workers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return Python.run(mount, Duration.ofSeconds(60), Python.ROOT, "stress.py",
                                mount.path().toString(), "2", seed);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, threads));
            }
            TreeMap<String, Long> totals = new TreeMap<>();
            for (CompletableFuture<String> worker : workers) {
                worker.get(90, TimeUnit.SECONDS).lines().forEach(line -> {
                    String[] fields = line.split(" ");
                    totals.merge(fields[0] + " " + fields[1], Long.parseLong(fields[2]), Long::sum);
                });
            }
            System.out.println("stress, policy " + policy + ": " + totals);
            System.out.println(Profile.of(mount.core().statistics()));
            List<String> unexpected = totals.keySet().stream()
                    .filter(key -> !key.split(" ")[1].matches(EXPECTED)).toList();
            assertTrue(unexpected.isEmpty(), () -> "unexpected results: " + unexpected + " in " + totals);
            long succeeded = totals.entrySet().stream().filter(e -> e.getKey().endsWith(" OK"))
                    .mapToLong(e -> e.getValue()).sum();
            assertTrue(succeeded > 100, "the workers got work done: " + totals);
            assertEquals(0, mount.core().statistics().internalErrors());

            assertEquals(String.join("\n", Python.manifest(mount, root.toString(), "--inodes")),
                    String.join("\n", Python.manifest(mount, mount.path().toString(), "--inodes")));
        }
    }
}
