package fuse.testkit.posix;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

/** Assertions on {@code probe.py} results: one side against the other, and the lines that must be there. */
public final class ProbeResults {
    private ProbeResults() {
    }

    /** Both sides gave the same result line for every operation; the failure lists each difference. */
    public static void assertSameResults(List<String> onHost, List<String> onMount) {
        List<String> differences = new ArrayList<>();
        for (int i = 0; i < Math.max(onHost.size(), onMount.size()); i++) {
            String h = i < onHost.size() ? onHost.get(i) : "(nothing)";
            String m = i < onMount.size() ? onMount.get(i) : "(nothing)";
            if (!h.equals(m)) {
                differences.add("host: " + h + "   mount: " + m);
            }
        }
        assertTrue(differences.isEmpty(), () -> differences.size() + " operations differ:\n"
                + String.join("\n", differences));
    }

    /** Each expected line is among the results. */
    public static void assertContains(List<String> results, String... expected) {
        for (String line : expected) {
            assertTrue(results.contains(line), () -> "expected '" + line + "' in\n" + String.join("\n", results));
        }
    }
}
