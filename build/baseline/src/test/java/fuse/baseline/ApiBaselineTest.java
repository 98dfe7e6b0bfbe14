package fuse.baseline;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import aQute.bnd.differ.Baseline;
import aQute.bnd.differ.Baseline.Info;
import aQute.bnd.differ.DiffPluginImpl;
import aQute.bnd.header.Parameters;
import aQute.bnd.osgi.Instructions;
import aQute.bnd.osgi.Jar;
import aQute.bnd.osgi.Processor;
import aQute.bnd.service.diff.Delta;
import aQute.bnd.service.diff.Diff;

/**
 * bnd's baseline (the engine of {@code bnd-baseline-maven-plugin} and of bnd's {@code -baseline}) of every
 * bundle that exports packages against {@code cnf/baseline/<bundle>.jar}, the API as last agreed.
 *
 * <p>Only package versions are checked: they are what importers depend on. bnd's bundle-version check is left
 * out because every bundle of the workspace is {@code 0.1.0.SNAPSHOT} and none is released, so it would demand a
 * bundle bump for any change at all. A removed exported package fails too (bnd reports it without a mismatch).
 */
class ApiBaselineTest {
    private static final int DETAIL_LINES = 12;

    @Test
    void everyExportedPackageVersionCoversItsChanges() throws Exception {
        Path baselines = Path.of(System.getProperty("fuse.baseline.dir", "../../cnf/baseline"));
        Map<String, File> built = exportingBundlesOnClassPath();
        assumeTrue(!built.isEmpty(), "the bundles are on the class path as directories, not jars: baselining "
                + "needs the package phase (mvn verify)");

        List<String> problems = new ArrayList<>();
        try (Stream<Path> files = Files.list(baselines)) {
            for (Path baseline : files.filter(f -> f.toString().endsWith(".jar")).sorted().toList()) {
                String bsn = baseline.getFileName().toString().replaceFirst("\\.jar$", "");
                File newer = built.remove(bsn);
                if (newer == null) {
                    problems.add(bsn + ": has a baseline but is not a dependency of build/baseline");
                } else {
                    problems.addAll(compare(bsn, newer, baseline.toFile()));
                }
            }
        }
        built.keySet().forEach(bsn -> problems.add(bsn + ": exports packages but has no baseline in " + baselines
                + " (build/baseline-update.sh " + bsn + ")"));
        if (!problems.isEmpty()) {
            fail("Semantic versioning: " + String.join("\n", problems)
                    + "\nRaise the @Version in the package's package-info.java as suggested (or undo the change). "
                    + "Once a version change is agreed on main, build/baseline-update.sh records the new API.");
        }
    }

    /** One line per package whose declared version is lower than its changes need, with what changed. */
    private static List<String> compare(String bsn, File newer, File older) throws Exception {
        List<String> problems = new ArrayList<>();
        try (Processor processor = new Processor(); Jar n = new Jar(newer); Jar o = new Jar(older)) {
            Baseline baseline = new Baseline(processor, new DiffPluginImpl());
            for (Info info : baseline.baseline(n, o, new Instructions(new Parameters("*", processor)))) {
                Delta delta = info.packageDiff.getDelta();
                if (delta == Delta.REMOVED) {
                    problems.add(bsn + ": exported package " + info.packageName + " " + info.olderVersion
                            + " was removed (a breaking change for its importers)");
                } else if (info.mismatch) {
                    StringBuilder line = new StringBuilder(bsn + ": package " + info.packageName + " has a " + delta
                            + " change but version " + info.newerVersion + "; it needs " + info.suggestedVersion);
                    List<String> details = new ArrayList<>();
                    changes(info.packageDiff, delta, "", details);
                    details.forEach(d -> line.append("\n    ").append(d));
                    problems.add(line.toString());
                }
            }
            processor.getErrors().forEach(error -> problems.add(bsn + ": " + error));
        }
        return problems;
    }

    /** The leaves of the package's diff that carry its delta, as a path: what a reader must look at. */
    private static void changes(Diff diff, Delta delta, String path, List<String> out) {
        List<Diff> carrying = diff.getChildren().stream().filter(child -> child.getDelta() == delta).toList();
        if (carrying.isEmpty() && out.size() < DETAIL_LINES) {
            String what = diff.getChildren().stream().filter(child -> child.getDelta() != Delta.UNCHANGED)
                    .map(child -> child.getDelta() + " " + child.getType() + " " + child.getName())
                    .collect(Collectors.joining(", "));
            out.add(delta + ": " + path + (what.isEmpty() ? "" : " (" + what + ")"));
        }
        for (Diff child : carrying) {
            changes(child, delta, path.isEmpty() ? child.getType() + " " + child.getName()
                    : path + " > " + child.getType() + " " + child.getName(), out);
        }
    }

    /** Bundle symbolic name to jar for each {@code fuse.*} bundle with an {@code Export-Package} on the class path. */
    private static Map<String, File> exportingBundlesOnClassPath() throws IOException {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Map<String, File> bundles = new TreeMap<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            File file = new File(entry);
            if (!file.isFile() || !file.getName().startsWith("fuse.")) {
                continue;
            }
            try (JarFile jar = new JarFile(file)) {
                Manifest manifest = jar.getManifest();
                String bsn = manifest == null ? null : manifest.getMainAttributes().getValue("Bundle-SymbolicName");
                if (bsn != null && manifest.getMainAttributes().getValue("Export-Package") != null) {
                    bundles.put(bsn.split(";")[0].trim(), file);
                }
            }
        }
        return bundles;
    }
}
