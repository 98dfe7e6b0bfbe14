package fuse.passthrough.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import fuse.api.Handle;
import fuse.api.OpenOption;
import fuse.api.Opened;
import fuse.channel.Reply;
import fuse.passthrough.FallbackReason;
import fuse.passthrough.OpenMode;
import fuse.passthrough.internal.OpenPolicy.Decision;
import fuse.passthrough.internal.OpenPolicy.InodeOpens;
import fuse.passthrough.internal.OpenPolicy.Outcome;

/** The decision table of {@link OpenPolicy}, row by row, plus the flag rules. */
class OpenPolicyTest {
    private static final Handle H = new Handle() { };
    private static final InodeOpens NONE = InodeOpens.NONE;
    private static final InodeOpens PASSTHROUGH_MODE = new InodeOpens(1, 0, 0);
    private static final InodeOpens CACHED_MODE = new InodeOpens(0, 1, 0);
    private static final InodeOpens DIRECT_ONLY = new InodeOpens(0, 0, 2);

    private static Opened passthrough(OpenOption... options) {
        return Opened.passthrough(H, 7, options);
    }

    private static Opened served(OpenOption... options) {
        return Opened.served(H, options);
    }

    @Test
    void passthroughWishOnFreshInodeRegistersABackingFile() {
        Decision d = OpenPolicy.decide(NONE, passthrough(), null, false);
        assertEquals(OpenMode.PASSTHROUGH, d.mode());
        assertEquals(Reply.FOPEN_PASSTHROUGH, d.openFlags());
        assertTrue(d.needsBacking());
        assertEquals(Outcome.AS_WISHED, d.outcome());
    }

    @Test
    void passthroughWishOnPassthroughModeInodeSharesTheId() {
        Decision d = OpenPolicy.decide(PASSTHROUGH_MODE, passthrough(), null, false);
        assertEquals(OpenMode.PASSTHROUGH, d.mode());
        assertFalse(d.needsBacking());
        assertEquals(Outcome.AS_WISHED, d.outcome());
    }

    @Test
    void passthroughWishOnPassthroughModeInodeEvenWhenRefusedSinceShares() {
        // The inode already has a working id: a later mount-wide refusal does not matter for it.
        Decision d = OpenPolicy.decide(PASSTHROUGH_MODE, passthrough(), FallbackReason.NO_CAPABILITY, false);
        assertEquals(OpenMode.PASSTHROUGH, d.mode());
        assertFalse(d.needsBacking());
    }

    @Test
    void servedWishOnPassthroughModeInodeIsPassthroughDirectIo() {
        Decision d = OpenPolicy.decide(PASSTHROUGH_MODE, served(), null, false);
        assertEquals(OpenMode.PASSTHROUGH_SERVED, d.mode());
        assertEquals(Reply.FOPEN_PASSTHROUGH | Reply.FOPEN_DIRECT_IO, d.openFlags());
        assertFalse(d.needsBacking());
        assertEquals(Outcome.SERVED_IN_PASSTHROUGH_MODE, d.outcome());
    }

    @Test
    void passthroughWishOnCachedModeInodeIsServedCachedAsModeConflict() {
        Decision d = OpenPolicy.decide(CACHED_MODE, passthrough(), null, false);
        assertEquals(OpenMode.CACHED, d.mode());
        assertEquals(0, d.openFlags());
        assertFalse(d.needsBacking());
        assertEquals(Outcome.MODE_CONFLICT, d.outcome());
    }

    @Test
    void passthroughWishWithDirectIoOnCachedModeInodeIsServedDirect() {
        Decision d = OpenPolicy.decide(CACHED_MODE, passthrough(OpenOption.DIRECT_IO), null, false);
        assertEquals(OpenMode.DIRECT, d.mode());
        assertEquals(Reply.FOPEN_DIRECT_IO, d.openFlags());
        assertEquals(Outcome.MODE_CONFLICT, d.outcome());
    }

    @Test
    void refusedPassthroughFallsBackToCachedWithTheReason() {
        Decision d = OpenPolicy.decide(NONE, passthrough(OpenOption.KEEP_CACHE), FallbackReason.NO_CAPABILITY,
                false);
        assertEquals(OpenMode.CACHED, d.mode());
        assertEquals(Reply.FOPEN_KEEP_CACHE, d.openFlags(), "served opens keep the backend's options");
        assertEquals(Outcome.FALLBACK, d.outcome());
        assertEquals(FallbackReason.NO_CAPABILITY, d.fallback());
        assertFalse(d.needsBacking());
    }

    @Test
    void servedWishOnFreshOrCachedInodeStaysCachedUnlessAskedForDirectIo() {
        for (InodeOpens opens : new InodeOpens[] {NONE, CACHED_MODE, DIRECT_ONLY}) {
            Decision cached = OpenPolicy.decide(opens, served(), null, true);
            assertEquals(OpenMode.CACHED, cached.mode(), opens.toString());
            assertEquals(0, cached.openFlags());
            assertEquals(Outcome.AS_WISHED, cached.outcome());
            Decision direct = OpenPolicy.decide(opens, served(OpenOption.DIRECT_IO), null, true);
            assertEquals(OpenMode.DIRECT, direct.mode());
            assertEquals(Reply.FOPEN_DIRECT_IO, direct.openFlags());
        }
    }

    @Test
    void plainDirectOpensBlockPassthroughOnlyWhenTheirMmapCanEnterCachedMode() {
        assertEquals(OpenMode.PASSTHROUGH, OpenPolicy.decide(DIRECT_ONLY, passthrough(), null, false).mode());
        Decision d = OpenPolicy.decide(DIRECT_ONLY, passthrough(), null, true);
        assertEquals(OpenMode.CACHED, d.mode());
        assertEquals(Outcome.MODE_CONFLICT, d.outcome());
    }

    @Test
    void passthroughRepliesKeepOnlyTheFlagsTheKernelAllows() {
        Decision d = OpenPolicy.decide(NONE, passthrough(OpenOption.KEEP_CACHE, OpenOption.NONSEEKABLE,
                OpenOption.NOFLUSH, OpenOption.PARALLEL_DIRECT_WRITES, OpenOption.DIRECT_IO), null, false);
        assertEquals(Reply.FOPEN_PASSTHROUGH | Reply.FOPEN_NOFLUSH | Reply.FOPEN_PARALLEL_DIRECT_WRITES,
                d.openFlags(), "DIRECT_IO would send reads to the server: dropped for a passthrough wish");
        assertEquals(2, d.droppedOptions(), "NONSEEKABLE and DIRECT_IO; KEEP_CACHE goes uncounted");
    }

    @Test
    void servedInPassthroughModeKeepsOnlyAllowedFlags() {
        Decision d = OpenPolicy.decide(PASSTHROUGH_MODE, served(OpenOption.KEEP_CACHE, OpenOption.NOFLUSH,
                OpenOption.DIRECT_IO), null, false);
        assertEquals(Reply.FOPEN_PASSTHROUGH | Reply.FOPEN_DIRECT_IO | Reply.FOPEN_NOFLUSH, d.openFlags());
        assertEquals(0, d.droppedOptions(), "KEEP_CACHE is meaningless without a page cache: dropped, uncounted");
        Decision nonseekable = OpenPolicy.decide(PASSTHROUGH_MODE, served(OpenOption.NONSEEKABLE), null, false);
        assertEquals(Reply.FOPEN_PASSTHROUGH | Reply.FOPEN_DIRECT_IO, nonseekable.openFlags());
        assertEquals(1, nonseekable.droppedOptions());
    }

    @Test
    void everyBackedReplyHasOnlyAllowedFlagsForEveryOptionSet() {
        int allowed = Reply.FOPEN_PASSTHROUGH | Reply.FOPEN_DIRECT_IO | Reply.FOPEN_NOFLUSH
                | Reply.FOPEN_PARALLEL_DIRECT_WRITES;
        OpenOption[] all = OpenOption.values();
        for (int mask = 0; mask < 1 << all.length; mask++) {
            java.util.EnumSet<OpenOption> options = java.util.EnumSet.noneOf(OpenOption.class);
            for (int i = 0; i < all.length; i++) {
                if ((mask & 1 << i) != 0) {
                    options.add(all[i]);
                }
            }
            for (InodeOpens opens : new InodeOpens[] {NONE, PASSTHROUGH_MODE, CACHED_MODE, DIRECT_ONLY}) {
                for (Opened opened : new Opened[] {new Opened.Passthrough(H, 3, options),
                        new Opened.Served(H, options)}) {
                    Decision d = OpenPolicy.decide(opens, opened, null, false);
                    if (d.mode().usesBacking()) {
                        assertEquals(0, d.openFlags() & ~allowed, () -> d + " for " + options);
                    }
                    // The kernel's rule: never a backed open next to a cached one, never a non-backed one next to a
                    // backed one.
                    if (opens.backed() > 0) {
                        assertTrue(d.mode().usesBacking(), () -> d + " on " + opens);
                    }
                    if (opens.cached() > 0) {
                        assertFalse(d.mode().usesBacking(), () -> d + " on " + opens);
                    }
                }
            }
        }
    }
}
