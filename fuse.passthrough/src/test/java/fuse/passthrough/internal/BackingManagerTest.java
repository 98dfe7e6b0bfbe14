package fuse.passthrough.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import fuse.api.Errno;
import fuse.api.Handle;
import fuse.api.OpenOption;
import fuse.api.Opened;
import fuse.channel.BackingException;
import fuse.channel.Reply;
import fuse.passthrough.BackingIdInfo;
import fuse.passthrough.FallbackReason;
import fuse.passthrough.NodeDescription;
import fuse.passthrough.OpenMode;
import fuse.passthrough.OpenTicket;
import fuse.passthrough.PassthroughManager;
import fuse.passthrough.PassthroughSettings;
import fuse.passthrough.PassthroughStatistics;

@Timeout(30)
class BackingManagerTest {
    private static final Handle H = new Handle() { };
    private final FakeBackingFiles kernel = new FakeBackingFiles();
    private final PassthroughManager manager = manager(new PassthroughSettings("/mnt/test", true, true, 1, false));

    private PassthroughManager manager(PassthroughSettings settings) {
        return PassthroughManager.create(kernel, settings, node -> new NodeDescription("/file" + node, 1000 + node));
    }

    private static OpenTicket accepted(OpenTicket ticket) {
        ticket.replied(true);
        return ticket;
    }

    private OpenTicket openPassthrough(long node) {
        return accepted(manager.open(node, Opened.passthrough(H, (int) node)));
    }

    private OpenTicket openServed(long node, OpenOption... options) {
        return accepted(manager.open(node, Opened.served(H, options)));
    }

    @Test
    void concurrentOpensOfOneInodeShareOneIdClosedAfterTheLastRelease() throws Exception {
        OpenTicket first = openPassthrough(5);
        OpenTicket second = openPassthrough(5);
        assertEquals(OpenMode.PASSTHROUGH, first.mode());
        assertEquals(first.backingId(), second.backingId());
        assertTrue(first.backingId() > 0);
        assertEquals(Reply.FOPEN_PASSTHROUGH, first.openFlags());
        assertEquals(1, kernel.opens.get(), "one BACKING_OPEN for the inode");
        assertEquals(List.of(new BackingIdInfo(first.backingId(), 5, "/file5", 1005, 2, 0)), manager.backingIds());

        first.release();
        assertEquals(1, manager.statistics().liveIds());
        second.release();
        second.release(); // idempotent
        PassthroughStatistics stats = manager.statistics();
        assertEquals(0, stats.liveIds());
        assertEquals(1, stats.idsOpened());
        assertEquals(1, stats.idsClosed());
        assertEquals(2, stats.passthroughOpens());
        int id = first.backingId();
        assertThrows(BackingException.UnknownId.class, () -> kernel.close(id), "the id was closed");
    }

    @Test
    void aReplyTheKernelDidNotTakeIsUndoneAtOnce() {
        OpenTicket ticket = manager.open(3, Opened.passthrough(H, 3));
        assertEquals(1, kernel.live.size());
        ticket.replied(false);
        assertTrue(kernel.live.isEmpty());
        ticket.release(); // a stray RELEASE after the undo changes nothing
        PassthroughStatistics stats = manager.statistics();
        assertEquals(1, stats.undoneOpens());
        assertEquals(0, stats.passthroughOpens());
        assertEquals(0, stats.liveIds());
    }

    @Test
    void releaseMayOvertakeTheReplyReport() {
        OpenTicket ticket = manager.open(3, Opened.passthrough(H, 3));
        ticket.release(); // RELEASE handled on another reader thread first (open failed in the kernel)
        assertTrue(kernel.live.isEmpty());
        ticket.replied(true);
        assertTrue(kernel.live.isEmpty());
        assertEquals(1, manager.statistics().passthroughOpens());
    }

    @Test
    void anIdIsNeverClosedWhileAnOpenUsingItIsInFlight() {
        OpenTicket accepted = openPassthrough(9);
        OpenTicket inFlight = manager.open(9, Opened.passthrough(H, 9)); // reply not yet written
        accepted.release();
        assertTrue(kernel.live.contains(inFlight.backingId()), "the in-flight reply still carries the id");
        inFlight.replied(true);
        inFlight.release();
        assertTrue(kernel.live.isEmpty());
    }

    @Test
    void anInodeGetsAFreshIdAfterItsLastRelease() {
        OpenTicket first = openPassthrough(4);
        first.release();
        OpenTicket again = openPassthrough(4);
        assertNotEquals(first.backingId(), again.backingId());
        again.release();
        assertTrue(kernel.live.isEmpty());
    }

    @Test
    void servedOpenOfPassthroughModeInodeHoldsTheSameId() {
        OpenTicket pt = openPassthrough(2);
        OpenTicket served = openServed(2, OpenOption.KEEP_CACHE, OpenOption.NONSEEKABLE);
        assertEquals(OpenMode.PASSTHROUGH_SERVED, served.mode());
        assertEquals(pt.backingId(), served.backingId());
        assertEquals(Reply.FOPEN_PASSTHROUGH | Reply.FOPEN_DIRECT_IO, served.openFlags());
        pt.release();
        assertEquals(1, kernel.live.size(), "the served open still uses the backing file for mmap");
        assertEquals(List.of(new BackingIdInfo(served.backingId(), 2, "/file2", 1002, 0, 1)), manager.backingIds());
        served.release();
        assertTrue(kernel.live.isEmpty());
        PassthroughStatistics stats = manager.statistics();
        assertEquals(1, stats.servedInPassthroughMode());
        assertEquals(1, stats.javaServedOpens());
        assertEquals(1, stats.droppedOptions());
    }

    @Test
    void passthroughWishOfCachedInodeIsServedAndCountedAsConflict() {
        OpenTicket cached = openServed(6);
        assertEquals(OpenMode.CACHED, cached.mode());
        assertEquals(0, cached.openFlags());
        OpenTicket wish = openPassthrough(6);
        assertEquals(OpenMode.CACHED, wish.mode());
        assertEquals(0, wish.backingId());
        assertEquals(0, kernel.opens.get(), "no backing file registered for a conflicting open");
        cached.release();
        wish.release();
        OpenTicket later = openPassthrough(6);
        assertEquals(OpenMode.PASSTHROUGH, later.mode(), "once the cached opens are gone, passthrough works");
        later.release();
        PassthroughStatistics stats = manager.statistics();
        assertEquals(1, stats.modeConflicts());
        assertEquals(2, stats.javaServedOpens());
        assertEquals(1, stats.passthroughOpens());
        assertTrue(kernel.live.isEmpty());
    }

    @Test
    void noCapabilityFallsBackAndStopsTryingForTheMount() {
        kernel.refuseWith = Errno.EPERM;
        OpenTicket first = openPassthrough(1);
        assertEquals(OpenMode.CACHED, first.mode());
        assertEquals(0, first.openFlags());
        OpenTicket second = openPassthrough(2);
        assertEquals(OpenMode.CACHED, second.mode());
        assertEquals(1, kernel.opens.get(), "no second BACKING_OPEN after a mount-wide refusal");
        PassthroughStatistics stats = manager.statistics();
        assertEquals(Map.of(FallbackReason.NO_CAPABILITY, 2L), stats.fallbacks());
        assertFalse(stats.passthroughEnabled());
        assertEquals(2, stats.javaServedOpens());
        first.release();
        second.release();
    }

    @Test
    void notNegotiatedRefusalAlsoStopsTrying() {
        kernel.refuseWith = Errno.EPERM;
        kernel.negotiated = false;
        openPassthrough(1).release();
        openPassthrough(2).release();
        assertEquals(1, kernel.opens.get());
        assertEquals(2, manager.statistics().fallbacks(FallbackReason.NOT_NEGOTIATED));
    }

    @Test
    void perFileRefusalsKeepTryingOtherFiles() {
        kernel.refuseWith = Errno.ELOOP;
        OpenTicket deep = openPassthrough(1);
        assertEquals(OpenMode.CACHED, deep.mode());
        kernel.refuseWith = null;
        OpenTicket fine = openPassthrough(2);
        assertEquals(OpenMode.PASSTHROUGH, fine.mode());
        assertEquals(1, manager.statistics().fallbacks(FallbackReason.STACKING_TOO_DEEP));
        assertTrue(manager.statistics().passthroughEnabled());
        deep.release();
        fine.release();
    }

    @Test
    void disabledByConfigurationOrInitNeverTouchesTheKernel() {
        PassthroughManager off = manager(new PassthroughSettings("/mnt/off", false, true, 1, false));
        OpenTicket t = off.open(1, Opened.passthrough(H, 1));
        t.replied(true);
        assertEquals(OpenMode.CACHED, t.mode());
        assertEquals(1, off.statistics().fallbacks(FallbackReason.DISABLED));
        PassthroughManager notNegotiated = manager(new PassthroughSettings("/mnt/nn", true, false, 1, false));
        OpenTicket u = notNegotiated.open(1, Opened.passthrough(H, 1));
        u.replied(true);
        assertEquals(1, notNegotiated.statistics().fallbacks(FallbackReason.NOT_NEGOTIATED));
        assertEquals(0, kernel.opens.get());
    }

    @Test
    void closeAllClosesEveryLiveIdOnceAndLaterReleasesOnlyCount() {
        OpenTicket a = openPassthrough(1);
        OpenTicket b = openPassthrough(2);
        OpenTicket c = openServed(3);
        manager.closeAll();
        assertTrue(kernel.live.isEmpty());
        PassthroughStatistics stats = manager.statistics();
        assertEquals(0, stats.liveIds());
        assertEquals(2, stats.idsClosed());
        a.release();
        b.release();
        c.release();
        assertEquals(2, manager.statistics().idsClosed(), "no second close");
        OpenTicket late = manager.open(7, Opened.passthrough(H, 7));
        assertEquals(OpenMode.CACHED, late.mode(), "no new ids after the connection ended");
        assertEquals(2, kernel.opens.get());
    }

    /**
     * 1,000 open/close cycles over 100 files from 4 threads, with in-flight replies, undone replies and shared
     * opens: the fake kernel checks that one file never has two live ids, and nothing is left at the end.
     */
    @Test
    void manyConcurrentCyclesLeaveNoLiveIds() throws Exception {
        Map<Integer, Integer> idOfFd = new ConcurrentHashMap<>();
        FakeBackingFiles checking = new FakeBackingFiles() {
            @Override
            public int open(int fd) throws BackingException {
                int id = super.open(fd);
                Integer previous = idOfFd.putIfAbsent(fd, id);
                if (previous != null) {
                    throw new AssertionError("second live id " + id + " for file " + fd + " (has " + previous + ")");
                }
                return id;
            }

            @Override
            public void close(int backingId) throws BackingException {
                super.close(backingId);
                idOfFd.values().remove(backingId);
            }
        };
        PassthroughManager m = PassthroughManager.create(checking,
                new PassthroughSettings("/mnt/stress", true, true, 1, false), n -> NodeDescription.UNKNOWN);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int i = 0; i < 250; i++) {
                        int node = random.nextInt(1, 101);
                        Opened opened = random.nextInt(4) == 0 ? Opened.served(H) : Opened.passthrough(H, node);
                        OpenTicket ticket = m.open(node, opened);
                        if (random.nextInt(20) == 0) {
                            ticket.replied(false);
                            continue;
                        }
                        if (random.nextBoolean()) {
                            ticket.release();
                            ticket.replied(true);
                        } else {
                            ticket.replied(true);
                            Thread.yield();
                            ticket.release();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(20, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        PassthroughStatistics stats = m.statistics();
        assertEquals(0, stats.liveIds());
        assertEquals(stats.idsOpened(), stats.idsClosed());
        assertTrue(checking.live.isEmpty());
        assertTrue(m.backingIds().isEmpty());
        assertEquals(1000, stats.passthroughOpens() + stats.javaServedOpens() + stats.undoneOpens());
    }
}
