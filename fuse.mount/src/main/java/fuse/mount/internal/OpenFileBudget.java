package fuse.mount.internal;

import static fuse.posix.Linux.RLIMIT_NOFILE;

import java.util.concurrent.atomic.AtomicInteger;

import fuse.posix.Posix;
import fuse.posix.PosixException;
import fuse.posix.ResourceLimit;

/**
 * The open files a mount may hold when its configuration leaves {@code max_open_files} unset: half of the
 * process's descriptor limit ({@code RLIMIT_NOFILE}, what is left after the server's own), shared equally by the
 * mounts of this server, so that all of them together never take more than that half. The other half stays for
 * the backends' node descriptors and everything else the server opens. The share follows the mounts as they come
 * and go; a mount already above a shrunken share refuses new opens until it is back under it.
 */
final class OpenFileBudget {
    /** Descriptors the server keeps for itself before any mount: class path, log, console, sockets... */
    static final int SERVER_RESERVE = 256;
    /** The least a mount gets, however small the limit and however many mounts. */
    static final int MINIMUM = 64;

    /** Mounts of this server (this bundle: one per running {@link MountCore}). */
    private static final AtomicInteger MOUNTS = new AtomicInteger();

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
        return share(softLimit(), MOUNTS.get());
    }

    static int share(long softLimit, int mounts) {
        long half = Math.max(0, softLimit - SERVER_RESERVE) / 2;
        return (int) Math.min(Integer.MAX_VALUE, Math.max(MINIMUM, half / Math.max(1, mounts)));
    }

    /** How the share comes about, for a log line. */
    static String describe() {
        return "half of RLIMIT_NOFILE " + softLimit() + " shared by " + Math.max(1, MOUNTS.get()) + " mount(s)";
    }

    private static long softLimit() {
        try {
            long soft = Posix.getrlimit(RLIMIT_NOFILE).soft();
            return soft == ResourceLimit.UNLIMITED ? Integer.MAX_VALUE : soft;
        } catch (PosixException e) {
            return 1024;
        }
    }
}
