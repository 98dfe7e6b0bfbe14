package fuse.mount.internal;

import static fuse.posix.Linux.RLIMIT_NOFILE;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import fuse.posix.Posix;
import fuse.posix.PosixException;
import fuse.posix.ResourceLimit;

/**
 * The open files a mount may hold when its configuration leaves {@code max_open_files} unset: half of the
 * process's descriptor limit ({@code RLIMIT_NOFILE}, what is left after the server's own), shared equally by the
 * mounts of this server, so that all of them together never take more than that half. The other half stays for
 * the backends' node descriptors and everything else the server opens. The share follows the mounts as they come
 * and go; a mount already above a shrunken share refuses new opens until it is back under it.
 *
 * <p>The share is asked on every open, so the limit is not read (a system call) each time: a reading stands for
 * {@link #LIMIT_READ_EVERY}. The limit can change while the server runs (its own {@code setrlimit}, or
 * {@code prlimit} from outside), and a second of delay in following it is harmless: the share is a budget, not
 * the kernel's bound; an open the kernel refuses meanwhile still fails with EMFILE on its own.
 */
final class OpenFileBudget {
    /** Descriptors the server keeps for itself before any mount: class path, log, console, sockets... */
    static final int SERVER_RESERVE = 256;
    /** The least a mount gets, however small the limit and however many mounts. */
    static final int MINIMUM = 64;

    /** How long a reading of the limit stands. */
    static final Duration LIMIT_READ_EVERY = Duration.ofSeconds(1);

    /** Mounts of this server (this bundle: one per running {@link MountCore}). */
    private static final AtomicInteger MOUNTS = new AtomicInteger();
    private static final SoftLimit SOFT_LIMIT = new SoftLimit(OpenFileBudget::readSoftLimit);

    private OpenFileBudget() {
    }

    static void mountStarted() {
        MOUNTS.incrementAndGet();
    }

    static void mountClosed() {
        MOUNTS.decrementAndGet();
    }

    /** One mount's share now. */
    static int share() {
        return share(SOFT_LIMIT.at(System.nanoTime()), MOUNTS.get());
    }

    static int share(long softLimit, int mounts) {
        long half = Math.max(0, softLimit - SERVER_RESERVE) / 2;
        return (int) Math.min(Integer.MAX_VALUE, Math.max(MINIMUM, half / Math.max(1, mounts)));
    }

    /** How the share comes about, for a log line. */
    static String describe() {
        return "half of RLIMIT_NOFILE " + SOFT_LIMIT.at(System.nanoTime()) + " shared by "
                + Math.max(1, MOUNTS.get()) + " mount(s)";
    }

    private static long readSoftLimit() {
        try {
            long soft = Posix.getrlimit(RLIMIT_NOFILE).soft();
            return soft == ResourceLimit.UNLIMITED ? Integer.MAX_VALUE : soft;
        } catch (PosixException e) {
            return 1024;
        }
    }

    /** The soft limit as last read, read again once the reading is {@link #LIMIT_READ_EVERY} old. */
    static final class SoftLimit {
        private record Reading(long limit, long atNanos) {
        }

        private final LongSupplier read;
        /** {@code null} before the first reading; two threads reading at once both store a fresh one. */
        private volatile Reading last;

        SoftLimit(LongSupplier read) {
            this.read = read;
        }

        long at(long nowNanos) {
            Reading reading = last;
            if (reading == null || nowNanos - reading.atNanos() >= LIMIT_READ_EVERY.toNanos()) {
                reading = new Reading(read.getAsLong(), nowNanos);
                last = reading;
            }
            return reading.limit();
        }
    }
}
