package fuse.mount.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logger of a configuration change a running mount rejected (it keeps its previous settings or backend). The
 * one who made the change hears it from elsewhere: a fuse: command answers with the problem and undoes the change,
 * fuse:mounts shows it. The container's log configuration sends these lines to the log file only, so a command's
 * rejected change is said once on the console, not twice.
 */
final class RejectedChange {
    static final Logger LOG = LoggerFactory.getLogger("fuse.mount.rejected");

    private RejectedChange() {
    }
}
