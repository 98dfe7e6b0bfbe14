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
    private final Map<Cursor, OpenFile> kept = new LinkedHashMap<>();

    UnopenedListings(Gate gate, NodeTable nodes, OpenFiles files) {
        this.gate = gate;
        this.nodes = nodes;
        this.files = files;
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
    OpenFile take(RequestHeader header, long offset) throws FuseException {
        OpenFile listing;
        synchronized (kept) {
            listing = kept.remove(new Cursor(header.nodeId(), offset));
        }
        if (listing != null) {
            if (listing.binding() == gate.current() && listing.binding().acquire()) {
                return listing;
            }
            files.closeUnregistered(listing);
        }
        return open(header);
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
     * A READDIR on {@code listing} is answered (its binding released): keep it for the READDIR at {@code next}
     * when the kernel asks for more ({@code more}: the reply filled up, or ended the directory with entries in
     * it), else close it.
     */
    void readUpTo(OpenFile listing, boolean more, long next) {
        if (!more || listing.binding() != gate.current()) {
            files.closeUnregistered(listing);
            return;
        }
        List<OpenFile> closing = new ArrayList<>(1);
        synchronized (kept) {
            OpenFile previous = kept.put(new Cursor(listing.nodeId(), next), listing);
            if (previous != null) {
                closing.add(previous); // two callers listed the same directory in step
            }
            Iterator<OpenFile> oldest = kept.values().iterator();
            while (kept.size() > KEPT) {
                closing.add(oldest.next());
                oldest.remove();
            }
        }
        closing.forEach(files::closeUnregistered);
    }

    /** Closes every kept listing: after a swap (they belong to the old binding) and at the session's end. */
    void closeAll() {
        List<OpenFile> closing;
        synchronized (kept) {
            closing = List.copyOf(kept.values());
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
