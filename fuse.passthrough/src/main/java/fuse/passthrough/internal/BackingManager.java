package fuse.passthrough.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongFunction;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.Opened;
import fuse.channel.BackingException;
import fuse.channel.BackingFiles;
import fuse.passthrough.BackingIdInfo;
import fuse.passthrough.FallbackReason;
import fuse.passthrough.NodeDescription;
import fuse.passthrough.OpenMode;
import fuse.passthrough.OpenTicket;
import fuse.passthrough.PassthroughManager;
import fuse.passthrough.PassthroughSettings;
import fuse.passthrough.PassthroughStatistics;

/**
 * One backing id per inode (kernel node id), shared by every open of that inode that carries
 * {@code FOPEN_PASSTHROUGH}, registered by the first of them and closed when the last is released or undone.
 *
 * <p>An open counts from the moment it is decided, not from the accepted reply: the id must already be safe from
 * closing while the reply carrying it is on its way, and the kernel looks it up in the opener's context after the
 * reply. A reply the kernel did not take is undone at once; an accepted one is balanced by RELEASE, which the
 * kernel sends even when the open failed after the reply. Decisions and counts of one inode are serialized by
 * its {@link InodeState}'s monitor, which also covers the {@code BACKING_OPEN}/{@code BACKING_CLOSE} ioctls of
 * that inode (they are short), so a new id is never registered for an inode while its old one is still live.
 */
public final class BackingManager implements PassthroughManager {
    private static final Logger LOG = LoggerFactory.getLogger(BackingManager.class);

    private final BackingFiles backingFiles;
    private final PassthroughSettings settings;
    private final LongFunction<NodeDescription> nodes;
    private final ConcurrentHashMap<Long, InodeState> inodes = new ConcurrentHashMap<>();
    private final Counters counters = new Counters();
    private final Set<FallbackReason> reported = ConcurrentHashMap.newKeySet();
    /** Set once a refusal holds for the whole mount (or the configuration or INIT says so); never cleared. */
    private volatile FallbackReason mountWideRefusal;
    private volatile boolean closed;

    public BackingManager(BackingFiles backingFiles, PassthroughSettings settings,
            LongFunction<NodeDescription> nodes) {
        this.backingFiles = backingFiles;
        this.settings = settings;
        this.nodes = nodes;
        if (!settings.enabled()) {
            mountWideRefusal = FallbackReason.DISABLED;
        } else if (!settings.negotiated()) {
            mountWideRefusal = FallbackReason.NOT_NEGOTIATED;
        }
    }

    @Override
    public OpenTicket open(long nodeId, Opened opened) {
        while (true) {
            InodeState inode = inodes.computeIfAbsent(nodeId, InodeState::new);
            synchronized (inode) {
                if (inode.removed) {
                    continue; // released concurrently after we fetched it: start over with a fresh state
                }
                return decide(inode, opened);
            }
        }
    }

    private Ticket decide(InodeState inode, Opened opened) {
        FallbackReason unavailable = closed ? FallbackReason.OTHER : mountWideRefusal;
        OpenPolicy.Decision decision = OpenPolicy.decide(inode.opens(), opened, unavailable,
                settings.directOpensMayCache());
        if (decision.outcome() == OpenPolicy.Outcome.FALLBACK && !closed) {
            reportOnce(decision.fallback(), inode.nodeId, null);
        }
        if (decision.needsBacking()) {
            try {
                inode.backingId = backingFiles.open(((Opened.Passthrough) opened).backingFd());
                counters.idOpened();
            } catch (BackingException e) {
                FallbackReason reason = FallbackReason.of(e.reason());
                if (reason.disablesMount()) {
                    mountWideRefusal = reason;
                }
                reportOnce(reason, inode.nodeId, e);
                decision = OpenPolicy.decide(inode.opens(), opened, reason, settings.directOpensMayCache());
            }
        }
        inode.count(decision.mode(), +1);
        counters.opened(decision, +1);
        return new Ticket(inode, decision, decision.mode().usesBacking() ? inode.backingId : 0);
    }

    /** Undoes one open of {@code inode}: the last backed open closes the id, the last open drops the state. */
    private void leave(InodeState inode, OpenMode mode) {
        synchronized (inode) {
            inode.count(mode, -1);
            if (inode.backedOpensGone() && inode.backingId != 0) {
                closeId(inode, false);
            }
            if (inode.idle() && !inode.removed) {
                inode.removed = true;
                inodes.remove(inode.nodeId, inode);
            }
        }
    }

    private void closeId(InodeState inode, boolean connectionEnded) {
        int id = inode.backingId;
        inode.backingId = 0;
        try {
            backingFiles.close(id);
        } catch (BackingException | RuntimeException e) {
            if (connectionEnded) {
                // The kernel frees a connection's ids with the connection itself.
                LOG.debug("mount {}: backing id {} not closed at connection end: {}", settings.mountName(), id,
                        e.getMessage());
            } else {
                LOG.warn("mount {}: closing backing id {} of {} failed: {}", settings.mountName(), id,
                        nodes.apply(inode.nodeId), e.getMessage());
            }
        } finally {
            // Counted once the kernel has let go of it: statistics never show an id closed that still exists.
            counters.idClosed();
        }
    }

    @Override
    public void closeAll() {
        closed = true;
        for (InodeState inode : inodes.values()) {
            synchronized (inode) {
                if (inode.backingId != 0) {
                    closeId(inode, true);
                }
            }
        }
    }

    @Override
    public PassthroughStatistics statistics() {
        return counters.snapshot(mountWideRefusal == null && !closed);
    }

    @Override
    public List<BackingIdInfo> backingIds() {
        List<InodeState> live = new ArrayList<>();
        List<int[]> counts = new ArrayList<>();
        for (InodeState inode : inodes.values()) {
            synchronized (inode) {
                if (inode.backingId != 0) {
                    live.add(inode);
                    counts.add(new int[] {inode.backingId, inode.passthroughOpens, inode.servedBackedOpens});
                }
            }
        }
        List<BackingIdInfo> result = new ArrayList<>(live.size());
        for (int i = 0; i < live.size(); i++) {
            int[] c = counts.get(i);
            NodeDescription description = describe(live.get(i).nodeId);
            result.add(new BackingIdInfo(c[0], live.get(i).nodeId, description.path(), description.inode(), c[1],
                    c[2]));
        }
        result.sort(Comparator.comparingInt(BackingIdInfo::backingId));
        return List.copyOf(result);
    }

    private NodeDescription describe(long nodeId) {
        NodeDescription description = nodes.apply(nodeId);
        return description != null ? description : NodeDescription.UNKNOWN;
    }

    /** One log line per mount and reason: the first file it hit, what it means, what to do. */
    private void reportOnce(FallbackReason reason, long nodeId, BackingException cause) {
        if (!reported.add(reason)) {
            return;
        }
        String file = describe(nodeId).toString();
        String detail = cause != null ? " (BACKING_OPEN failed with " + cause.errno().name() + ")" : "";
        String mount = settings.mountName();
        switch (reason) {
            case DISABLED -> LOG.info("mount {}: passthrough=false in the configuration: files the backend would "
                    + "pass through are served in Java", mount);
            case NO_CAPABILITY -> LOG.warn("mount {}: passthrough is off for this mount: the server lacks "
                    + "CAP_SYS_ADMIN in the initial user namespace, which the kernel requires for backing files{}. "
                    + "Files are served in Java (slower); run the container as root outside a user namespace to "
                    + "pass them through. First file: {}", mount, detail, file);
            case NOT_NEGOTIATED -> LOG.warn("mount {}: passthrough is off for this mount: the kernel did not enable "
                    + "FUSE passthrough at INIT (needs Linux 6.9+ with CONFIG_FUSE_PASSTHROUGH){}. Files are served "
                    + "in Java. First file: {}", mount, detail, file);
            case STACKING_TOO_DEEP -> LOG.warn("mount {}: {} lives on a stacked file system (e.g. overlayfs) deeper "
                    + "than max_stack_depth={}{}; such files are served in Java. Set max_stack_depth=2 in the "
                    + "mount's configuration to pass them through.", mount, file, settings.maxStackDepth(), detail);
            case UNSUPPORTED_FILE -> LOG.warn("mount {}: {} cannot be a backing file{}; files like it are served in "
                    + "Java.", mount, file, detail);
            case BAD_DESCRIPTOR -> LOG.warn("mount {}: the backend handed over a descriptor that is not open for {}{} "
                    + "(a backend bug); such files are served in Java.", mount, file, detail);
            case OTHER -> LOG.warn("mount {}: the kernel refused a backing file for {}{}; it is served in Java.",
                    mount, file, detail);
        }
    }

    /** One open's claim; see {@link OpenTicket}. */
    private final class Ticket implements OpenTicket {
        private final InodeState inode;
        private final OpenPolicy.Decision decision;
        private final int backingId;
        private final AtomicBoolean reported = new AtomicBoolean();
        private final AtomicBoolean left = new AtomicBoolean();

        Ticket(InodeState inode, OpenPolicy.Decision decision, int backingId) {
            this.inode = inode;
            this.decision = decision;
            this.backingId = backingId;
        }

        @Override
        public OpenMode mode() {
            return decision.mode();
        }

        @Override
        public int openFlags() {
            return decision.openFlags();
        }

        @Override
        public int backingId() {
            return backingId;
        }

        @Override
        public void replied(boolean accepted) {
            if (!reported.compareAndSet(false, true)) {
                return;
            }
            if (!accepted) {
                counters.opened(decision, -1);
                counters.undoneOpens.increment();
                release();
            }
        }

        @Override
        public void release() {
            if (left.compareAndSet(false, true)) {
                leave(inode, decision.mode());
            }
        }

        @Override
        public String toString() {
            return decision.mode() + " node " + inode.nodeId + (backingId != 0 ? " id " + backingId : "");
        }
    }
}
