package fuse.testkit;

import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Bounded waits for what happens on another thread or in the kernel (a counter that moves after a reply, a file
 * system that closes after its last file): poll briefly until the condition holds, and fail with what was
 * awaited once the bound has passed. For tests where the timing itself is not what is tested; a test that must
 * show that something does <em>not</em> happen within a time still says how long it watched.
 */
public final class Wait {
    private static final Duration POLL = Duration.ofMillis(10);

    private Wait() {
    }

    /** A condition that may fail with an exception (a file system call); an exception counts as "not yet". */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    /**
     * Returns as soon as {@code condition} holds; throws {@link AssertionError} naming {@code what} (and the
     * condition's last exception) when it did not within {@code bound}.
     */
    public static void until(Duration bound, String what, Condition condition) {
        until(bound, () -> what, condition);
    }

    /**
     * As {@link #until(Duration, String, Condition)}, with a description made when the wait fails (the last
     * state seen, for example).
     */
    public static void until(Duration bound, Supplier<String> what, Condition condition) {
        long deadline = System.nanoTime() + bound.toNanos();
        Exception last = null;
        while (true) {
            try {
                if (condition.holds()) {
                    return;
                }
                last = null;
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() - deadline > 0) {
                AssertionError failure = new AssertionError("waited " + bound + " for " + what.get() + " in vain");
                if (last != null) {
                    failure.initCause(last);
                }
                throw failure;
            }
            pause(POLL);
        }
    }

    /**
     * The value of {@code counter} once it has not moved for {@code quiet} (e.g. requests counted just after
     * their reply was sent), at least {@code atLeast}; fails when that did not happen within {@code bound}.
     */
    public static long settled(Duration bound, Duration quiet, String what, long atLeast, LongSupplier counter) {
        long deadline = System.nanoTime() + bound.toNanos();
        long value = counter.getAsLong();
        long since = System.nanoTime();
        while (true) {
            long now = counter.getAsLong();
            if (now != value) {
                value = now;
                since = System.nanoTime();
            } else if (value >= atLeast && System.nanoTime() - since >= quiet.toNanos()) {
                return value;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("waited " + bound + " for " + what + " to settle at " + atLeast
                        + " or more in vain: " + value);
            }
            pause(POLL);
        }
    }

    /** The value of {@code counter} once it has not moved for {@code quiet}, within {@code bound}. */
    public static long settled(Duration bound, Duration quiet, String what, LongSupplier counter) {
        return settled(bound, quiet, what, Long.MIN_VALUE, counter);
    }

    private static void pause(Duration pause) {
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting", e);
        }
    }
}
