package fuse.backend.local.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import fuse.mount.MountStatistics;
import fuse.mount.testing.TestMount;
import fuse.passthrough.PassthroughStatistics;
import fuse.testkit.posix.Python;

/**
 * Real programs on a mount of the local backend. A tarball of a few thousand header files (the system's
 * {@code /usr/include} without its largest trees: boost, node, llvm, c++) extracts through the mount into exactly
 * the tree it extracts into natively: same entries, bytes, modes, owners, times and link counts, seen through the
 * mount and on the host. And git initializes, adds and commits 1,000 files, repacks, and checks its repository,
 * with the same tree hash as natively.
 */
@Timeout(180)
class WorkloadKernelTest {
    private static final Duration LONG = Duration.ofSeconds(120);

    private static Path work;
    private static Path tarball;
    private static List<String> nativeTree;
    private static Path sources;
    private static String nativeTreeHash;

    @TempDir
    Path base;

    @BeforeAll
    static void prepare() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/usr/include/linux")), "the tarball is made of /usr/include");
        work = Files.createTempDirectory("fuse-workload-");
        tarball = work.resolve("include.tar");
        run(work, "tar", "-cf", tarball.toString(), "-C", "/usr/include", "--exclude=./boost", "--exclude=./node",
                "--exclude=./llvm-14", "--exclude=./c++", ".");
        Path extracted = Files.createDirectory(work.resolve("native"));
        run(work, "tar", "-xpf", tarball.toString(), "-C", extracted.toString());
        nativeTree = manifest(extracted);

        sources = Files.createDirectory(work.resolve("sources"));
        Random random = new Random(1);
        for (int d = 0; d < 20; d++) {
            Path dir = Files.createDirectory(sources.resolve("module-" + d));
            for (int f = 0; f < 50; f++) {
                StringBuilder text = new StringBuilder();
                for (int line = 0; line < 1 + random.nextInt(60); line++) {
                    text.append("line ").append(line).append(": ").append(Long.toHexString(random.nextLong()))
                            .append('\n');
                }
                Files.writeString(dir.resolve("file-" + f + ".txt"), text);
            }
        }
        Path nativeRepository = work.resolve("native-repository");
        run(work, "cp", "-a", sources.toString(), nativeRepository.toString());
        nativeTreeHash = gitCommitAll(nativeRepository, null);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (work != null) {
            try (Stream<Path> paths = Files.walk(work)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @ParameterizedTest(name = "policy={0}")
    @ValueSource(strings = {"always", "never"})
    void aTarballExtractsIntoTheSameTreeAsNatively(String policy) throws Exception {
        Path root = Files.createDirectory(base.resolve("root"));
        try (TestMount mount = LocalMounts.mount(root, policy)) {
            Path tree = mount.path("tree");
            long start = System.nanoTime();
            mount.run(LONG, "mkdir", tree.toString());
            mount.run(LONG, "tar", "-xpf", tarball.toString(), "-C", tree.toString());
            long extracted = System.nanoTime();
            List<String> throughMount = Python.manifest(mount, tree.toString());
            long checked = System.nanoTime();
            assertEquals(nativeTree.size(), throughMount.size(), "entries");
            assertEquals(String.join("\n", nativeTree), String.join("\n", throughMount));
            assertEquals(String.join("\n", nativeTree), String.join("\n", Python.manifest(mount,
                    root.resolve("tree").toString())));

            MountStatistics stats = mount.core().statistics();
            PassthroughStatistics passthrough = mount.core().passthrough();
            long files = nativeTree.stream().filter(line -> line.split(" ")[1].equals("0o100000")).count();
            System.out.printf("tarball, policy %s: %d entries (%d files): extract %d ms, manifest (sha256 of all)"
                    + " %d ms through the mount; %d requests, %d CREATE, %d LOOKUP, %d READ, %d WRITE;"
                    + " passthrough opens %d, Java-served %d%n", policy, nativeTree.size(), files,
                    (extracted - start) / 1_000_000, (checked - extracted) / 1_000_000, stats.requests(),
                    stats.count("CREATE"), stats.count("LOOKUP"), stats.count("READ"), stats.count("WRITE"),
                    passthrough.passthroughOpens(), passthrough.javaServedOpens());
            if (policy.equals("always")) {
                assertEquals(0, stats.count("READ") + stats.count("WRITE"), "all data passed through");
                assertTrue(passthrough.passthroughOpens() >= 2 * files, "tar's creates and the checksum opens");
            } else {
                assertTrue(stats.count("READ") >= files / 2 && stats.count("WRITE") >= files / 2,
                        "data served in Java");
                assertEquals(0, passthrough.passthroughOpens());
            }
            assertEquals(0, stats.internalErrors());
            System.out.println(Profile.of(stats));

            mount.run(LONG, "rm", "-rf", tree.toString());
            try (Stream<Path> left = Files.list(root)) {
                assertEquals(List.of(), left.toList(), "rm -rf through the mount removed everything on the host");
            }
        }
    }

    @ParameterizedTest(name = "policy={0}")
    @ValueSource(strings = {"always", "never"})
    void gitCommitsAThousandFiles(String policy) throws Exception {
        Path root = Files.createDirectory(base.resolve("root"));
        try (TestMount mount = LocalMounts.mount(root, policy)) {
            Path repository = mount.path("repository");
            long start = System.nanoTime();
            mount.run(LONG, "cp", "-a", sources.toString(), repository.toString());
            String treeHash = gitCommitAll(repository, mount);
            long committed = System.nanoTime();
            assertEquals(nativeTreeHash, treeHash, "the same tree as committed natively");

            // Change, commit, repack, verify: rewrites, renames of lock files, pack files.
            mount.io(() -> {
                for (int f = 0; f < 10; f++) {
                    Files.writeString(repository.resolve("module-3/file-" + f + ".txt"), "changed " + f + "\n");
                }
                return null;
            });
            git(repository, mount, "commit", "-qam", "second");
            git(repository, mount, "gc", "-q");
            git(repository, mount, "fsck", "--full", "--strict", "--no-progress");
            assertEquals("", git(repository, mount, "status", "--porcelain"));
            assertEquals("2", git(repository, mount, "rev-list", "--count", "HEAD").trim());
            git(repository, mount, "checkout", "-q", "HEAD~1", "--", ".");
            assertEquals(nativeTreeHash, git(repository, mount, "write-tree").trim());
            long done = System.nanoTime();
            System.out.printf("git, policy %s: copy + init/add/commit of 1000 files %d ms; commit -a, gc, fsck,"
                    + " status, checkout %d ms; %d requests%n", policy, (committed - start) / 1_000_000,
                    (done - committed) / 1_000_000, mount.core().statistics().requests());
            assertEquals(0, mount.core().statistics().internalErrors());
        }
    }

    /** git init, add -A, commit in {@code repository}; the commit's tree hash. */
    private static String gitCommitAll(Path repository, TestMount mount) throws Exception {
        git(repository, mount, "init", "-q");
        git(repository, mount, "add", "-A");
        git(repository, mount, "commit", "-qm", "a thousand files");
        assertEquals("", git(repository, mount, "status", "--porcelain"));
        git(repository, mount, "fsck", "--strict", "--no-progress");
        return git(repository, mount, "rev-parse", "HEAD^{tree}").trim();
    }

    private static String git(Path repository, TestMount mount, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("git", "-C", repository.toString(), "-c", "user.name=Test",
                "-c", "user.email=test@example.org", "-c", "init.defaultBranch=main", "-c", "gc.auto=0"));
        command.addAll(List.of(arguments));
        return mount == null ? run(repository, command.toArray(String[]::new))
                : mount.run(LONG, command.toArray(String[]::new));
    }

    private static List<String> manifest(Path tree) throws Exception {
        return run(tree, Python.PYTHON, "-c", Python.script("manifest.py"), tree.toString()).lines().toList();
    }

    /** A command on the host (nothing mounted involved), bounded. */
    private static String run(Path directory, String... command) throws Exception {
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish");
        }
        String text = new String(output, java.nio.charset.StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited with " + process.exitValue() + ": " + text);
        }
        return text;
    }
}
