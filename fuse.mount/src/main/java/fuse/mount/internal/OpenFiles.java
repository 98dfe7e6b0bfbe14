package fuse.mount.internal;

import static fuse.posix.Linux.O_CREAT;
import static fuse.posix.Linux.O_EXCL;
import static fuse.posix.Linux.O_TRUNC;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.Attributes;
import fuse.api.Caller;
import fuse.api.Created;
import fuse.api.Errno;
import fuse.api.FuseException;
import fuse.api.Handle;
import fuse.api.Node;
import fuse.api.Opened;
import fuse.channel.Reply;
import fuse.channel.Request;
import fuse.channel.RequestHeader;
import fuse.passthrough.OpenTicket;

/**
 * The mount's open files and directories, from OPEN, CREATE or OPENDIR to RELEASE: room under
 * {@code max_open_files}, admission (passthrough decision, fh, the {@link PrivilegeRule}), the
 * {@link WritebackOpenFlags}, running a request on the binding that opened a file, and moving a file whose binding
 * closed under it to the current one.
 */
final class OpenFiles {
    private static final Logger LOG = LoggerFactory.getLogger(OpenFiles.class);
    /** Flags that must not act again when an open file is opened anew on another binding. */
    private static final int REOPEN_DROPPED = O_CREAT | O_EXCL | O_TRUNC;

    private final ServedMount mount;
    private final MountCounters counters;
    private final Gate gate;
    private final NodeTable nodes;
    private final HandleTable handles;
    private final EntryReplies entries;
    /** Serializes {@link #move}s. */
    private final Object moves = new Object();

    OpenFiles(ServedMount mount, MountCounters counters, Gate gate, NodeTable nodes, HandleTable handles,
            EntryReplies entries) {
        this.mount = mount;
        this.counters = counters;
        this.gate = gate;
        this.nodes = nodes;
        this.handles = handles;
        this.entries = entries;
    }

    /** A request's work on an open file, its binding acquired. */
    @FunctionalInterface
    interface FileCall<T> {
        T call(OpenFile file, Caller caller) throws FuseException;
    }

    void open(Request.Open r, Reply reply) throws FuseException {
        RequestCaller caller = new RequestCaller(r.header());
        Binding binding = gate.enter(r.header());
        try (HandleTable.Slot slot = reserve(caller);
                NodeTable.Use use = nodes.use(binding, r.header().nodeId(), caller)) {
            Node node = use.node();
            Opened opened = WritebackOpenFlags.open(mount.writebackCache(), r.flags(),
                    flags -> binding.fs.open(caller, node, flags));
            OpenFile file = admit(binding, caller, use.record(), node, opened, r.flags(), r.killPrivileges(), slot)
                    .open();
            OpenTicket ticket = file.ticket();
            boolean accepted = reply.open(file.fh(), ticket.openFlags(), ticket.backingId());
            ticket.replied(accepted);
            if (!accepted) {
                discard(file);
            }
        } finally {
            binding.release();
        }
    }

    /**
     * CREATE: a new entry and an open file in one reply, both undone when the kernel did not take it. A node
     * released while the backend created is looked up again by name ({@link NodeTable}); the open file stays.
     */
    void create(Request.Create r, Reply reply) throws FuseException {
        RequestCaller caller = new RequestCaller(r.header(), mount.effectiveUmask(r.umask()));
        Binding binding = gate.enter(r.header());
        try (HandleTable.Slot slot = reserve(caller);
                NodeTable.Use parent = nodes.use(binding, r.header().nodeId(), caller)) {
            long parentId = r.header().nodeId();
            long since = binding.releaseEpoch;
            Created created = WritebackOpenFlags.open(mount.writebackCache(), r.flags(),
                    flags -> binding.fs.create(caller, parent.node(), r.name(), flags, r.mode()));
            nodes.entriesChanged(parent.record());
            NodeTable.Registered registered;
            try {
                registered = nodes.register(binding, parentId, r.name(), created.entry(), since,
                        () -> binding.fs.lookup(caller, parent.node(), r.name()));
            } catch (FuseException | RuntimeException e) {
                binding.fs.release(created.opened().handle());
                throw e;
            }
            NodeRecord record = registered.record();
            Node node = registered.entry().node();
            Admitted file;
            try {
                file = admit(binding, caller, record, node, created.opened(), r.flags(), r.killPrivileges(), slot);
            } catch (FuseException | RuntimeException e) {
                nodes.unregister(record);
                throw e;
            }
            Attributes attributes = registered.entry().attributes();
            if (file.privilegesDropped()) {
                attributes = binding.fs.getattr(caller, node, file.open().handle());
            }
            OpenTicket ticket = file.open().ticket();
            boolean accepted = reply.create(entries.entry(record, attributes), file.open().fh(),
                    ticket.openFlags(), ticket.backingId());
            ticket.replied(accepted);
            if (!accepted) {
                discard(file.open());
                nodes.unregister(record);
            }
        } finally {
            binding.release();
        }
    }

    /** An admitted open: the open file and whether its set-user-ID/set-group-ID bits were just cleared. */
    private record Admitted(OpenFile open, boolean privilegesDropped) {
    }

    /** Registers an open file: passthrough decision, fh, and the {@link PrivilegeRule}. */
    private Admitted admit(Binding binding, Caller caller, NodeRecord record, Node node, Opened opened, int flags,
            boolean killPrivileges, HandleTable.Slot slot) throws FuseException {
        OpenTicket ticket = mount.passthroughManager().open(record.id, opened);
        OpenFile file = new OpenFile(handles.nextFh(), record, binding, node, opened.handle(), ticket, false, flags,
                Opener.of(caller));
        nodes.pin(record);
        binding.handleOpened();
        handles.put(file, slot);
        try {
            boolean dropped = PrivilegeRule.appliesToOpen(killPrivileges, ticket.mode(), caller.uid(), flags)
                    && PrivilegeRule.clearOnOpen(binding.fs, caller, node, opened.handle());
            return new Admitted(file, dropped);
        } catch (FuseException | RuntimeException e) {
            ticket.replied(false);
            discard(file);
            throw e;
        }
    }

    /** Registers an open directory in its reserved slot; the caller uses {@code record}. */
    OpenFile openedDirectory(Binding binding, Caller caller, NodeRecord record, Node node, Handle handle,
            HandleTable.Slot slot) {
        OpenFile dir = new OpenFile(handles.nextFh(), record, binding, node, handle, null, true, 0,
                Opener.of(caller));
        nodes.pin(record);
        binding.handleOpened();
        handles.put(dir, slot);
        return dir;
    }

    /**
     * A directory the mount opened on the backend for a request of its own ({@link UnopenedListings}): in no
     * table, the kernel knows no fh of it; closed with {@link #closeUnregistered}. It keeps {@code record} in use
     * (the caller keeps it alive meanwhile), as an open directory of the kernel's does.
     */
    OpenFile unregisteredDirectory(Binding binding, Caller caller, NodeRecord record, Node node, Handle handle) {
        OpenFile dir = new OpenFile(UnopenedListings.NO_HANDLE, record, binding, node, handle, null, true, 0,
                Opener.of(caller));
        nodes.pin(record);
        binding.handleOpened();
        return dir;
    }

    /** Closes a directory of {@link #unregisteredDirectory}. */
    void closeUnregistered(OpenFile dir) {
        closeOnBackend(dir);
    }

    /**
     * Room for one more open file on this mount, taken before the backend opens or creates anything (a refused
     * create leaves no file behind); beyond the mount's {@code max_open_files} the caller gets EMFILE.
     */
    HandleTable.Slot reserve(Caller caller) throws FuseException {
        int limit = mount.maxOpenFiles();
        HandleTable.Slot slot = handles.reserve(limit);
        if (slot == null) {
            mount.openFilesExhausted(caller.uid(), limit);
            throw new FuseException(Errno.EMFILE, "max_open_files (" + limit + ") reached");
        }
        return slot;
    }

    /** Forgets an open file the kernel never got (its passthrough claim is already undone). */
    void discard(OpenFile file) {
        if (handles.remove(file)) {
            closeOnBackend(file);
        }
    }

    /** RELEASE and RELEASEDIR. */
    void release(long fh, Reply reply) {
        OpenFile file = handles.remove(fh);
        if (file != null) {
            close(file);
        }
        reply.ok();
    }

    /** The session ended: no release will come for the files still open. */
    void releaseAll() {
        for (OpenFile file : handles.snapshot()) {
            if (handles.remove(file)) {
                close(file);
            }
        }
    }

    private void close(OpenFile file) {
        if (file.ticket() != null) {
            file.ticket().release();
        }
        closeOnBackend(file);
    }

    /**
     * Gives the handle back to the backend that opened it (unless that binding is gone) and unpins it and its
     * node.
     */
    private void closeOnBackend(OpenFile file) {
        Binding binding = file.binding();
        try {
            if (binding.acquire()) {
                try {
                    if (file.directory()) {
                        binding.fs.releasedir(file.handle());
                    } else {
                        binding.fs.release(file.handle());
                    }
                } catch (RuntimeException e) {
                    counters.internalErrors.increment();
                    LOG.warn("mount {}: backend {} failed to release a handle", mount.label(), binding.backend, e);
                } finally {
                    binding.release();
                }
            }
        } finally {
            binding.handleClosed();
            nodes.unpin(file.nodeRecord());
        }
    }

    /** The open file or directory {@code fh}, or {@code null}. */
    OpenFile find(long fh) {
        return handles.find(fh);
    }

    /** Runs {@code call} on the open file (or directory) {@code fh}: EBADF when there is none. */
    <T> T with(RequestHeader header, long fh, boolean directory, FileCall<T> call) throws FuseException {
        return on(handles.get(fh, directory), call, header);
    }

    /** The open file {@code fh} with its binding acquired (where it moved to, if it had to). */
    OpenFile acquire(RequestHeader header, long fh, boolean directory) throws FuseException {
        return acquire(handles.get(fh, directory), header);
    }

    /**
     * Runs {@code call} on the open file's binding. A file whose binding was closed under it (its backend service
     * went away) first {@link #move moves} to the current binding.
     */
    <T> T on(OpenFile file, FileCall<T> call, RequestHeader header) throws FuseException {
        OpenFile target = acquire(file, header);
        try {
            return call.call(target, new RequestCaller(header));
        } finally {
            target.binding().release();
        }
    }

    private OpenFile acquire(OpenFile file, RequestHeader header) throws FuseException {
        return file.binding().acquire() ? file : move(file, header);
    }

    /**
     * Moves an open file whose binding is closed to the current one: waits at the gate like any request (so
     * while no backend is bound it waits {@code backend_wait}, then fails with EIO), resolves its node there by
     * path and opens it again as its opener did (without {@code O_CREAT}, {@code O_EXCL} and {@code O_TRUNC}).
     * The kernel's side of the open file does not change: same fh, same passthrough backing id. A file unlinked
     * while open has no path to be found by and answers EIO. Moves are serialized so that two requests on one file
     * open it once.
     *
     * @return the moved file, its binding acquired
     */
    private OpenFile move(OpenFile file, RequestHeader header) throws FuseException {
        synchronized (moves) {
            OpenFile current = handles.find(file.fh());
            if (current == null) {
                throw new FuseException(Errno.EBADF, "file " + file.fh() + " was released");
            }
            if (current.binding().acquire()) {
                return current; // another request moved it meanwhile
            }
            Binding next = gate.enter(header);
            try {
                Node node = nodes.resolve(next, current.nodeRecord(), current.opener());
                Handle handle = current.directory() ? next.fs.opendir(current.opener(), node)
                        : WritebackOpenFlags.open(mount.writebackCache(), current.flags() & ~REOPEN_DROPPED,
                                flags -> next.fs.open(current.opener(), node, flags)).handle();
                OpenFile moved = current.movedTo(next, node, handle);
                next.handleOpened();
                if (!handles.replace(current, moved)) {
                    closeOnBackend(moved);
                    throw new FuseException(Errno.EBADF, "file " + file.fh() + " was released");
                }
                current.binding().handleClosed();
                counters.movedFiles.increment();
                LOG.debug("mount {}: open file {} of node {} moved from {} to {}", mount.label(), file.fh(),
                        file.nodeId(), current.binding(), next);
                return moved;
            } catch (FuseException e) {
                next.release();
                if (e.errno() == Errno.EBADF) {
                    throw e;
                }
                throw new FuseException(Errno.EIO, "the backend that opened this file is gone and the file could "
                        + "not be opened again on " + next.backend + ": " + e.getMessage());
            } catch (RuntimeException e) {
                next.release();
                throw e;
            }
        }
    }
}
