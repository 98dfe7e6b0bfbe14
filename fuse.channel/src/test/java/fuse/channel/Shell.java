package fuse.channel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Subprocesses with a deadline (killed when it passes), for tools the JDK does not reach (renameat2, SEEK_DATA). */
public final class Shell {
    private Shell() {
    }

    public record Result(int exitCode, String out, String err) {
        public Result orFail() {
            if (exitCode != 0) {
                throw new AssertionError("exit code " + exitCode + "\nstdout: " + out + "\nstderr: " + err);
            }
            return this;
        }
    }

    public static Result run(Duration timeout, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout);
        }
        return new Result(process.exitValue(), out.join(), err.join());
    }

    /** Runs a python3 script; its arguments are {@code sys.argv[1:]}. */
    public static Result python(String script, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("python3", "-c", script));
        command.addAll(List.of(args));
        return run(Duration.ofSeconds(20), command.toArray(String[]::new));
    }

    private static CompletableFuture<String> drain(java.io.InputStream stream) {
        CompletableFuture<String> text = new CompletableFuture<>();
        Thread.ofPlatform().daemon(true).start(() -> {
            try (stream) {
                text.complete(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.complete("<" + e + ">");
            }
        });
        return text;
    }
}
