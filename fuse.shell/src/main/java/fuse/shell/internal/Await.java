package fuse.shell.internal;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Bounded waits for what the shell cannot be told about: a mount service coming up after its configuration was
 * saved, a reconfiguration having been applied. Polls every {@value #POLL_MILLIS} ms; never waits past the deadline.
 */
final class Await {
    private static final long POLL_MILLIS = 20;

    private Await() {
    }

    /** The first present value {@code probe} gives within {@code timeout}; empty if none came. */
    static <T> Optional<T> until(Duration timeout, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<T> value = probe.get();
            if (value.isPresent() || System.nanoTime() - deadline >= 0) {
                return value;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return probe.get();
            }
        }
    }

    /** Whether {@code condition} became true within {@code timeout}. */
    static boolean until(Duration timeout, java.util.function.BooleanSupplier condition) {
        return until(timeout, () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty())
                .isPresent();
    }
}
