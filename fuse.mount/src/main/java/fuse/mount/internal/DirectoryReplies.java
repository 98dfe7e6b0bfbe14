package fuse.mount.internal;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import fuse.api.Entry;
import fuse.api.Errno;
import fuse.api.FileSystem;
import fuse.api.FileType;
import fuse.api.FuseException;
import fuse.api.Handle;
import fuse.api.Node;
import fuse.api.OpenOption;
import fuse.api.RawDirectoryFiller;
import fuse.channel.DirectoryReply;
import fuse.channel.Reply;
import fuse.channel.Request;
import fuse.posix.FileNames;

/**
 * OPENDIR, READDIR and READDIRPLUS, FSYNCDIR: the kernel's listing cache flags, directories the kernel opens
 * without asking ({@link UnopenedListings}), and listings whose PLUS entries are registered lookups (undone when
 * they did not fit the reply).
 */
final class DirectoryReplies {
    private final ServedMount mount;
    private final Gate gate;
    private final NodeTable nodes;
    private final OpenFiles files;
    private final EntryReplies entries;
    private final UnopenedListings unopened;

    DirectoryReplies(ServedMount mount, Gate gate, NodeTable nodes, OpenFiles files, EntryReplies entries) {
        this.mount = mount;
        this.gate = gate;
        this.nodes = nodes;
        this.files = files;
        this.entries = entries;
        this.unopened = new UnopenedListings(gate, nodes, files);
    }

    /** Closes the listings kept between READDIRs of directories the kernel opened itself. */
    void closeUnopenedListings() {
        unopened.closeAll();
    }

    /**
     * OPENDIR. While the mount's source is watched, answered ENOSYS: the kernel then opens directories without
     * asking for the rest of the connection and keeps their listings ({@link UnopenedListings}). The ENOSYS
     * stays in force after a swap to a backend that is not watched: the kernel then checks a kept listing
     * against the directory's modification time once its attributes expire (AUTO_INVAL_DATA), as it does the
     * cached data of a file.
     */
    void opendir(Request.OpenDir r, Reply reply) throws FuseException {
        if (mount.opensDirectoriesItself()) {
            throw new FuseException(Errno.ENOSYS, "the kernel opens directories itself: the source is watched");
        }
        RequestCaller caller = new RequestCaller(r.header());
        Binding binding = gate.enter(r.header());
        try (HandleTable.Slot slot = files.reserve(caller);
                NodeTable.Use use = nodes.use(binding, r.header().nodeId(), caller)) {
            long nodeId = r.header().nodeId();
            Node node = use.node();
            Handle handle = binding.fs.opendir(caller, node);
            OpenFile dir = files.openedDirectory(binding, caller, use.record(), node, handle, slot);
            int flags;
            try {
                flags = listingCacheFlags(binding.fs.directoryCaching(node, handle),
                        nodes.takeChildrenLookedUp(nodeId));
            } catch (RuntimeException e) {
                files.discard(dir);
                throw e;
            }
            if (!reply.open(dir.fh(), flags, 0)) {
                files.discard(dir);
            }
        } finally {
            binding.release();
        }
    }

    /**
     * The open flags of a directory for the backend's {@link FileSystem#directoryCaching} answer: only the listing
     * cache ({@code FOPEN_CACHE_DIR}) and keeping it across opens ({@code FOPEN_KEEP_CACHE}, meaningful only
     * with the former) apply to directories.
     *
     * <p>A kept listing is names only. When the kernel looked names of the directory up since it was last opened
     * (a caller stats its entries, as {@code ls -l} or {@code find -ls} do, and their cached attributes ran out),
     * the listing is read again instead: READDIRPLUS renews the attributes of a whole batch in one request, where
     * the kept names would cost one LOOKUP per entry.
     */
    private static int listingCacheFlags(Set<OpenOption> options, boolean childrenLookedUp) {
        if (!options.contains(OpenOption.CACHE_DIR)) {
            return 0;
        }
        boolean keep = options.contains(OpenOption.KEEP_CACHE) && !childrenLookedUp;
        return Reply.FOPEN_CACHE_DIR | (keep ? Reply.FOPEN_KEEP_CACHE : 0);
    }

    void fsyncdir(Request.FsyncDir r, Reply reply) throws FuseException {
        if (r.fh() != UnopenedListings.NO_HANDLE) {
            files.with(r.header(), r.fh(), true, (dir, caller) -> {
                dir.binding().fs.fsyncdir(caller, dir.handle(), r.dataOnly());
                return null;
            });
        } else {
            OpenFile dir = unopened.open(r.header());
            try {
                dir.binding().fs.fsyncdir(new RequestCaller(r.header()), dir.handle(), r.dataOnly());
            } finally {
                dir.binding().release();
                files.closeUnregistered(dir);
            }
        }
        reply.ok();
    }

    /**
     * READDIR and READDIRPLUS, filled by a {@link ReplyFiller}. A directory opened on a binding that was swapped out
     * lists names only, since its lookups would belong to the old backend.
     */
    void readdir(Request.ReadDir r, Reply reply) throws FuseException {
        UnopenedListings.Listing listing = r.fh() == UnopenedListings.NO_HANDLE
                ? unopened.take(r.header(), r.offset()) : null;
        OpenFile dir = listing != null ? listing.file() : files.acquire(r.header(), r.fh(), true);
        Binding binding = dir.binding();
        try {
            RequestCaller caller = new RequestCaller(r.header());
            DirectoryReply out = reply.directory();
            ReplyFiller filler = new ReplyFiller(r.plus(), out, r.plus() && binding == gate.current(), binding,
                    caller, dir);
            try {
                binding.fs.readdir(caller, dir.node(), dir.handle(), r.offset(), filler);
                filler.listed = true;
            } catch (FuseException e) {
                if (filler.counted.isEmpty()) {
                    throw e;
                }
                filler.full = false; // the listing stops here; the kernel asks again and then gets the error
            }
            if (listing != null) {
                unopened.readUpTo(listing, filler.continues(), filler.next); // before the kernel can ask for more
                listing = null;
            }
            // send() does not say whether the kernel took the reply. It always does unless the connection is gone:
            // a request the server has read is waited for even by a killed caller (fuse_request_wait_answer).
            out.send();
        } finally {
            binding.release();
            if (listing != null) {
                unopened.readUpTo(listing, false, 0); // failed: closed
            }
        }
    }

    /**
     * The entries of one READDIR or READDIRPLUS reply. For PLUS, each entry that still fits gets a lookup ("." and
     * ".." none), counted only once it is in the reply. Names a backend passes as bytes go into a READDIR reply as
     * they are; a PLUS entry needs the name as a string for its lookup.
     */
    private final class ReplyFiller implements RawDirectoryFiller {
        private final boolean plus;
        private final DirectoryReply out;
        private final boolean lookups;
        private final Binding binding;
        private final RequestCaller caller;
        private final OpenFile dir;
        /** The looked-up entries already in the reply. */
        final List<NodeRecord> counted = new ArrayList<>();
        /** Whether an entry did not fit: the listing goes on from {@link #next}. */
        boolean full;
        /** Whether the backend's readdir returned (the directory ended or the reply filled up), not failed. */
        boolean listed;
        /** Whether the reply holds an entry. */
        boolean any;
        /** The offset after the last entry in the reply. */
        long next;

        ReplyFiller(boolean plus, DirectoryReply out, boolean lookups, Binding binding, RequestCaller caller,
                OpenFile dir) {
            this.plus = plus;
            this.out = out;
            this.lookups = lookups;
            this.binding = binding;
            this.caller = caller;
            this.dir = dir;
        }

        @Override
        public boolean addRaw(MemorySegment name, long inode, FileType type, long next) {
            if (!plus) {
                return added(out.add(inode, next, direntType(type), name), next);
            }
            return add(FileNames.decode(name), inode, type, next);
        }

        @Override
        public boolean add(String name, long inode, FileType type, long next) {
            return added(addEntry(name, inode, type, next), next);
        }

        /**
         * Whether the kernel asks for more at {@link #next}: when the reply filled up, and when it ended the
         * directory with entries in it too, since only an empty reply tells the kernel the listing is over.
         */
        boolean continues() {
            return full || listed && any;
        }

        private boolean added(boolean fitted, long offset) {
            if (fitted) {
                next = offset;
                any = true;
            } else {
                full = true;
            }
            return fitted;
        }

        private boolean addEntry(String name, long inode, FileType type, long next) {
            int direntType = direntType(type);
            if (!plus) {
                return out.add(inode, next, direntType, name);
            }
            if (!lookups || name.equals(".") || name.equals("..") || !out.fits(name)) {
                return out.addPlus(EntryReplies.nameOnly(inode, type), next, direntType, name);
            }
            NodeRecord record;
            Entry entry;
            try {
                long since = binding.releaseEpoch;
                entry = binding.fs.lookup(caller, dir.node(), name);
                record = nodes.register(binding, dir.nodeId(), name, entry, since);
            } catch (FuseException e) {
                record = null; // raced a removal
                entry = null;
            }
            if (record == null) { // or the node was released while looked up: the kernel looks it up itself
                return out.addPlus(EntryReplies.nameOnly(inode, type), next, direntType, name);
            }
            if (out.addPlus(entries.entry(record, entry.attributes()), next, direntType, name)) {
                counted.add(record);
                return true;
            }
            nodes.unregister(record);
            return false;
        }

        private static int direntType(FileType type) {
            return type == null ? 0 : type.direntType();
        }
    }
}
