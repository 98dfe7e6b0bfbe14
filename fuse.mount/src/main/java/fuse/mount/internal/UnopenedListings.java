package fuse.mount.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import fuse.api.FuseException;
import fuse.api.Handle;
import fuse.api.Node;
import fuse.channel.RequestHeader;

/**
 * Listings of directories the kernel opened without asking. A mount whose source is watched answers OPENDIR with
 * ENOSYS ({@link DirectoryReplies#opendir}): from then on the kernel opens directories itself for the whole
 * connection (no OPENDIR, no RELEASEDIR) and keeps every listing it read in its page cache across opens
 * ({@code FOPEN_CACHE_DIR | FOPEN_KEEP_CACHE}), so a warm walk of a tree asks nothing at all; the watch drops a
 * listing when its directory changes on the host, and the kernel when it changes through the mount.
 *
 * <p>Such a READDIR carries no handle ({@code fh} 0). The mount opens the directory on the backend for it; when
 * the reply had entries, the handle is kept for the READDIR that continues from where the reply stopped (a
 * listing of 10,000 names takes dozens; opening and seeking for each would cost what OPENDIR did). That includes a
 * reply that reached the end of the directory: the kernel learns of the end only from an empty reply, so every
 * listing ends with one more READDIR, which then reads the end from the kept handle instead of opening and seeking
 * again (a tree walk after a cache drop lists most directories in one reply: each was opened twice). At most
 * {@link #KEPT} are kept, the oldest closed first; a listing's last (empty) READDIR, a swap and the session's end
 * close them. They hold no room under {@code max_open_files}: the kernel has no handle to count.
 *
 * <p>A kept listing holds entries read earlier (the backend's last batch, the position of its descriptor). Once
 * the directory's entries changed ({@link NodeTable#entriesChanged}: through the mount, or on the host as the
 * backend reports), which the kernel learns after, a listing opened before is not continued but opened again at
 * its offset: else the READDIRs that fill the kernel's listing anew after the change could be answered from
 * before it, and the kernel would keep that listing until the next change.
 */
final class UnopenedListings {
    /** The fh of a READDIR or FSYNCDIR on a directory the kernel opened without OPENDIR. */
    static final long NO_HANDLE = 0;
    /** Listings kept between READDIRs: one per listing in progress (a walk has one at a time). */
    static final int KEPT = 32;

    private final Gate gate;
    private final NodeTable nodes;
    private final OpenFiles files;
    /** Kept listings by directory and the offset their next READDIR starts at, oldest first. */
    private final Map<Cursor, Listing> kept = new LinkedHashMap<>();

    UnopenedListings(Gate gate, NodeTable nodes, OpenFiles files) {
        this.gate = gate;
        this.nodes = nodes;
        this.files = files;
    }

    /**
     * A directory opened for READDIRs without a kernel handle, and the entry clock's tick before it was opened
     * ({@link NodeTable#entryClock}).
     */
    record Listing(OpenFile file, long openedAt) {
    }

    /**
     * Where a kept listing continues. Its equals and hashCode are written out: a record's generated ones run
     * through method handles whose profile every record of the JVM shares, which made the compiled READDIR path trap.
     */
    private record Cursor(long nodeId, long offset) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Cursor other && other.nodeId == nodeId && other.offset == offset;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(nodeId * 31 + offset);
        }
    }

    /**
     * The listing a READDIR at {@code offset} continues, or the directory opened anew on the current binding;
     * its binding acquired. Give it back with {@link #readUpTo}.
     */
    Listing take(RequestHeader header, long offset) throws FuseException {
        Listing listing;
        synchronized (kept) {
            listing = kept.remove(new Cursor(header.nodeId(), offset));
        }
        if (listing != null) {
            OpenFile file = listing.file();
            if (file.binding() == gate.current() && nodes.entriesUnchangedSince(file.nodeRecord(), listing.openedAt())
                    && file.binding().acquire()) {
                return listing;
            }
            files.closeUnregistered(file);
        }
        long now = nodes.entryClock();
        return new Listing(open(header), now);
    }

    /** Opens the request's directory on the backend for one request; its binding acquired. */
    OpenFile open(RequestHeader header) throws FuseException {
        RequestCaller caller = new RequestCaller(header);
        Binding binding = gate.enter(header);
        try (NodeTable.Use use = nodes.use(binding, header.nodeId(), caller)) {
            Handle handle = binding.fs.opendir(caller, use.node());
            return files.unregisteredDirectory(binding, caller, use.record(), use.node(), handle);
        } catch (FuseException | RuntimeException e) {
            binding.release();
            throw e;
        }
    }

    /**
     * A READDIR on {@code listing} has its entries: keep it for the READDIR at {@code next} when the kernel asks
     * for more ({@code more}: the reply filled up, or ended the directory with entries in it), else close it.
     * Called before the reply is sent: the kernel asks for more as soon as it has the reply, possibly on another
     * thread, and a READDIR that finds nothing kept opens the directory again and leaves this one kept where no
     * READDIR of this listing asks.
     */
    void readUpTo(Listing listing, boolean more, long next) {
        OpenFile file = listing.file();
        if (!more || file.binding() != gate.current()) {
            files.closeUnregistered(file);
            return;
        }
        List<OpenFile> closing = new ArrayList<>(1);
        synchronized (kept) {
            Listing previous = kept.put(new Cursor(file.nodeId(), next), listing);
            if (previous != null) {
                closing.add(previous.file()); // two callers listed the same directory in step
            }
            Iterator<Listing> oldest = kept.values().iterator();
            while (kept.size() > KEPT) {
                closing.add(oldest.next().file());
                oldest.remove();
            }
        }
        closing.forEach(files::closeUnregistered);
    }

    /** Closes every kept listing: after a swap (they belong to the old binding) and at the session's end. */
    void closeAll() {
        List<OpenFile> closing;
        synchronized (kept) {
            closing = kept.values().stream().map(Listing::file).toList();
            kept.clear();
        }
        closing.forEach(files::closeUnregistered);
    }

    /** Listings kept now: for tests. */
    int size() {
        synchronized (kept) {
            return kept.size();
        }
    }
}
