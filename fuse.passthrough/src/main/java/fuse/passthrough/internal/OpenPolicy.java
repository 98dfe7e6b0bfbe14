package fuse.passthrough.internal;

import java.util.Set;

import fuse.api.OpenOption;
import fuse.api.Opened;
import fuse.channel.Reply;
import fuse.passthrough.FallbackReason;
import fuse.passthrough.OpenMode;

/**
 * The one place that turns a backend's per-open wish into open flags the kernel accepts for the inode's current
 * state, so that no user ever sees {@code EIO} because of io modes.
 *
 * <h2>The kernel's rule (the kernel's fs/fuse/iomode.c)</h2>
 * An inode is in <em>cached</em> mode while it has an open without {@code DIRECT_IO} and without
 * {@code PASSTHROUGH}, and in <em>passthrough</em> mode while it has an open with {@code PASSTHROUGH}; never both.
 * In passthrough mode every new open must carry {@code PASSTHROUGH} with an id of the <em>same</em> backing file.
 * A plain {@code DIRECT_IO} open belongs to neither mode, except that its first shared mmap enters cached mode,
 * which is only possible when {@code FUSE_DIRECT_IO_ALLOW_MMAP} is in force. {@code PASSTHROUGH|DIRECT_IO} sends
 * reads and writes to the server and only mmap to the backing file. Any violation fails the open with
 * {@code EIO} after the reply.
 *
 * <h2>The policy</h2>
 * <pre>
 * inode state            backend wish         reply                               counted as
 * ---------------------  -------------------  ----------------------------------  ---------------------------
 * passthrough mode       passthrough          PASSTHROUGH, the inode's id         passthrough open
 * passthrough mode       served               PASSTHROUGH|DIRECT_IO, inode's id   Java-served, in pt. mode
 * cached mode            passthrough          served (cached, or DIRECT_IO if     Java-served, mode conflict
 *                                             the backend asked)
 * neither, pt. refused   passthrough          served as above                     Java-served, fallback(reason)
 * neither                passthrough          PASSTHROUGH, new id (BACKING_OPEN)  passthrough open
 * cached mode / neither  served               cached, or DIRECT_IO if asked       Java-served
 * </pre>
 * "Cached mode" includes live plain {@code DIRECT_IO} opens when {@code directOpensMayCache}: we cannot see
 * their mmaps, so we assume the worst. A Java-served open of an inode without passthrough opens stays cached (no
 * {@code DIRECT_IO}) unless the backend asked for it: the page cache is what makes Java-served files fast. The
 * consequence is first-come: once a cached open is live, later passthrough wishes of that inode are served in
 * Java until it closes; once a passthrough open is live, later served opens are {@code PASSTHROUGH|DIRECT_IO}
 * (reads and writes still reach the backend, mmap stays coherent through the backing file).
 *
 * <h2>Flags</h2>
 * With {@code PASSTHROUGH} the kernel allows only {@code DIRECT_IO}, {@code PARALLEL_DIRECT_WRITES} and
 * {@code NOFLUSH}; other options ({@code NONSEEKABLE}, {@code CACHE_DIR}) are dropped and counted.
 * {@code KEEP_CACHE} is dropped without being counted: it only means something for an open served from the page
 * cache, a passthrough-mode inode has no page cache of its own (reads, writes and mmap use the backing file's),
 * and a backend asks for it on passthrough wishes for the case that the open ends up served (passthrough off or
 * refused, mode conflict). A passthrough wish also drops {@code DIRECT_IO}: with it the kernel would send reads
 * and writes to the server after all (and a backend mapping {@code O_DIRECT} to it is the classic mistake,
 * libfuse #1027); {@code O_DIRECT} itself works through the backing file. Served opens keep every option the
 * backend chose.
 */
final class OpenPolicy {

    /** The open flags the kernel accepts together with {@code FOPEN_PASSTHROUGH}. */
    static final Set<OpenOption> PASSTHROUGH_COMPATIBLE =
            Set.of(OpenOption.DIRECT_IO, OpenOption.NOFLUSH, OpenOption.PARALLEL_DIRECT_WRITES);

    /** What happened to the backend's wish. */
    enum Outcome {
        AS_WISHED,
        /** A served wish replied as {@code PASSTHROUGH|DIRECT_IO} because the inode is in passthrough mode. */
        SERVED_IN_PASSTHROUGH_MODE,
        /** A passthrough wish served in Java because the inode is in cached mode. */
        MODE_CONFLICT,
        /** A passthrough wish served in Java because passthrough is refused or off. */
        FALLBACK
    }

    /**
     * The inode's live opens (reserved or accepted, not yet released) by the mode the kernel sees.
     *
     * @param backed opens with {@code FOPEN_PASSTHROUGH} (passthrough and served-in-passthrough-mode)
     * @param cached opens without {@code DIRECT_IO} and without {@code PASSTHROUGH}
     * @param direct plain {@code DIRECT_IO} opens
     */
    record InodeOpens(int backed, int cached, int direct) {
        static final InodeOpens NONE = new InodeOpens(0, 0, 0);
    }

    /**
     * @param needsBacking the inode has no backing id yet: register the backend's descriptor
     * @param droppedOptions how many of the backend's options the reply leaves out
     * @param fallback the reason, for {@link Outcome#FALLBACK}
     */
    record Decision(OpenMode mode, int openFlags, boolean needsBacking, Outcome outcome, FallbackReason fallback,
            int droppedOptions) {
    }

    private OpenPolicy() {
    }

    /**
     * @param opens the inode's live opens
     * @param opened the backend's answer
     * @param unavailable why passthrough cannot be used for this open (off, refused), or {@code null}
     * @param directOpensMayCache {@code FUSE_DIRECT_IO_ALLOW_MMAP} is in force
     */
    static Decision decide(InodeOpens opens, Opened opened, FallbackReason unavailable,
            boolean directOpensMayCache) {
        boolean passthroughMode = opens.backed() > 0;
        boolean cachedMode = opens.cached() > 0 || directOpensMayCache && opens.direct() > 0;
        Set<OpenOption> options = opened.options();
        return switch (opened) {
            case Opened.Passthrough _ when passthroughMode -> backed(OpenMode.PASSTHROUGH, options, false,
                    Outcome.AS_WISHED);
            case Opened.Passthrough _ when unavailable != null -> served(options, Outcome.FALLBACK, unavailable);
            case Opened.Passthrough _ when cachedMode -> served(options, Outcome.MODE_CONFLICT, null);
            case Opened.Passthrough _ -> backed(OpenMode.PASSTHROUGH, options, true, Outcome.AS_WISHED);
            case Opened.Served _ when passthroughMode -> backed(OpenMode.PASSTHROUGH_SERVED, options, false,
                    Outcome.SERVED_IN_PASSTHROUGH_MODE);
            case Opened.Served _ -> served(options, Outcome.AS_WISHED, null);
        };
    }

    private static Decision backed(OpenMode mode, Set<OpenOption> options, boolean needsBacking, Outcome outcome) {
        int flags = Reply.FOPEN_PASSTHROUGH;
        int dropped = 0;
        for (OpenOption option : options) {
            boolean keep = PASSTHROUGH_COMPATIBLE.contains(option)
                    && (option != OpenOption.DIRECT_IO || mode == OpenMode.PASSTHROUGH_SERVED);
            if (keep) {
                flags |= flag(option);
            } else if (option != OpenOption.KEEP_CACHE) {
                dropped++;
            }
        }
        if (mode == OpenMode.PASSTHROUGH_SERVED) {
            flags |= Reply.FOPEN_DIRECT_IO;
        }
        return new Decision(mode, flags, needsBacking, outcome, null, dropped);
    }

    private static Decision served(Set<OpenOption> options, Outcome outcome, FallbackReason fallback) {
        int flags = 0;
        for (OpenOption option : options) {
            flags |= flag(option);
        }
        OpenMode mode = options.contains(OpenOption.DIRECT_IO) ? OpenMode.DIRECT : OpenMode.CACHED;
        return new Decision(mode, flags, false, outcome, fallback, 0);
    }

    static int flag(OpenOption option) {
        return switch (option) {
            case DIRECT_IO -> Reply.FOPEN_DIRECT_IO;
            case KEEP_CACHE -> Reply.FOPEN_KEEP_CACHE;
            case NONSEEKABLE -> Reply.FOPEN_NONSEEKABLE;
            case NOFLUSH -> Reply.FOPEN_NOFLUSH;
            case PARALLEL_DIRECT_WRITES -> Reply.FOPEN_PARALLEL_DIRECT_WRITES;
            case CACHE_DIR -> Reply.FOPEN_CACHE_DIR;
        };
    }
}
