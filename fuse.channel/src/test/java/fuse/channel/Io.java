package fuse.channel;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * File-system calls on the mount from threads the test can abandon: a test thread must never be the one that
 * blocks on a mount whose server it is supposed to unblock. A call that does not finish in time fails the test;
 * the fixture's cleanup then aborts the connection, which releases the abandoned thread.
 */
public final class Io {
    public static final Duration DEFAULT = Duration.ofSeconds(10);

    private Io() {
    }

    /** A task that may throw anything. */
    @FunctionalInterface
    public interface Task {
        void run() throws Exception;
    }

    public static <T> T within(Duration timeout, String what, Callable<T> call) throws Exception {
        CompletableFuture<T> result = start(what, call);
        try {
            return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(what + " did not finish within " + timeout);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : new RuntimeException(e.getCause());
        }
    }

    public static <T> T within(String what, Callable<T> call) throws Exception {
        return within(DEFAULT, what, call);
    }

    public static void run(String what, Task task) throws Exception {
        within(DEFAULT, what, () -> {
            task.run();
            return null;
        });
    }

    /** Starts {@code call} on a daemon thread of its own and returns its eventual result. */
    public static <T> CompletableFuture<T> start(String what, Callable<T> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofPlatform().name("test-io: " + what).daemon(true).start(() -> {
            try {
                result.complete(call.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }
}
