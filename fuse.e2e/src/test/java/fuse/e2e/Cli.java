package fuse.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A command line run to its end (bounded), as a script would: exit status, stdout, stderr. */
record Cli(int status, String out, String err) {
    private static final long SECONDS = 60;

    /** Runs {@code command} with {@code FUSE_HOME} set to {@code home} (the control socket's container). */
    static Cli run(Path home, List<String> command) throws IOException, InterruptedException {
        return run(Map.of("FUSE_HOME", home.toString()), command);
    }

    static Cli run(Map<String, String> environment, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        Process process = builder.start();
        process.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        if (!process.waitFor(SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not end within " + SECONDS + " s");
        }
        return new Cli(process.exitValue(), out.join(), err.join());
    }

    /** {@code bin/<script>} of the project, with {@code args}. */
    static List<String> bin(String script, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Container.PROJECT.resolve("bin").resolve(script).toString());
        command.addAll(List.of(args));
        return command;
    }

    private static String read(InputStream stream) {
        try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public String toString() {
        return "exit " + status + "\nstdout:\n" + out + "stderr:\n" + err;
    }
}
