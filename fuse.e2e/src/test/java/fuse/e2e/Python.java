package fuse.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Debian Python (/usr/bin/python3, where .ci/run installs python3-prometheus-client and python3-selenium) running
 * one of this module's scripts under src/test/python, with a deadline.
 */
final class Python {
    private static final Path SCRIPTS = Container.PROJECT.resolve("fuse.e2e/src/test/python");

    private Python() {
    }

    /** Runs {@code script} with {@code arguments}, {@code input} on stdin; answers stdout, fails on a non-zero exit. */
    static String run(String script, String input, long timeoutSeconds, String... arguments)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("/usr/bin/python3", SCRIPTS.resolve(script).toString()));
        command.addAll(List.of(arguments));
        Path out = Files.createTempFile("fuse-e2e-python-", ".out");
        try {
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT)
                    .redirectOutput(out.toFile()).start();
            try (var in = process.getOutputStream()) {
                in.write(input.getBytes(StandardCharsets.UTF_8));
            }
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError(script + " still running after " + timeoutSeconds + " s");
            }
            String output = Files.readString(out);
            if (process.exitValue() != 0) {
                throw new AssertionError(script + " failed (exit " + process.exitValue() + "):\n" + output);
            }
            return output;
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
