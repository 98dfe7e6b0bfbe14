package fuse.mount.internal;

import static fuse.posix.Linux.O_ACCMODE;
import static fuse.posix.Linux.O_APPEND;
import static fuse.posix.Linux.O_CREAT;
import static fuse.posix.Linux.O_EXCL;
import static fuse.posix.Linux.O_RDWR;
import static fuse.posix.Linux.O_TRUNC;
import static fuse.posix.Linux.O_WRONLY;
import static fuse.posix.Linux.S_ISGID;
import static fuse.posix.Linux.S_ISUID;
import static fuse.posix.Linux.S_IXGRP;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.AttributeChanges;
import fuse.api.Attributes;
import fuse.api.Caller;
import fuse.api.Created;
import fuse.api.Entry;
import fuse.api.Errno;
import fuse.api.FileSystem;
import fuse.api.FileType;
import fuse.api.FuseException;
import fuse.api.Handle;
import fuse.api.Node;
import fuse.api.OpenOption;
import fuse.api.Opened;
import fuse.api.RawDirectoryFiller;
import fuse.channel.DirectoryReply;
import fuse.channel.EntryOut;
import fuse.channel.FuseSession;
import fuse.channel.InitResult;
import fuse.channel.Reply;
import fuse.channel.Request;
import fuse.channel.RequestHandler;
import fuse.channel.RequestHeader;
import fuse.passthrough.OpenMode;
import fuse.passthrough.OpenTicket;
import fuse.posix.FileNames;

/**
 * Answers every request of a session by calling the bound backend: node ids become backend nodes through the
 * {@link NodeTable}, file handles become backend handles through the {@link HandleTable}, a
 * {@link FuseException} becomes its errno, and anything else becomes EIO with one warning and its stack trace.
 *
 * <p>Requests about nodes go through the {@link Gate} (they wait for a backend); requests about an open file go
 * to the binding that opened it, even after a swap. Every reply that hands the kernel something to count (an
 * entry, an open file) is undone when the kernel did not take it.
 */
final class Dispatcher implements RequestHandler {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
    /** The attributes of a negative entry: none (the kernel reads none when the node id is 0). */
    private static final Attributes NO_ATTRIBUTES = Attributes.builder(0, 0).build();
    /** "Clear set-user-ID, set-group-ID and capabilities", the SPI's form of the kernel's KILL_SUIDGID. */
    private static final AttributeChanges KILL_PRIVILEGES =
            new AttributeChanges(null, null, null, null, null, null, null, true);

    private final MountCore mount;
    private final Gate gate;
    private final NodeTable nodes;
    private final HandleTable handles;
    /** Serializes {@link #move}s. */
    private final Object moves = new Object();
    /** Flags that must not act again when an open file is opened anew on another binding. */
    private static final int REOPEN_DROPPED = O_CREAT | O_EXCL | O_TRUNC;

    Dispatcher(MountCore mount) {
        this.mount = mount;
        this.gate = mount.gate;
        this.nodes = mount.nodes;
        this.handles = mount.handles;
    }

    @Override
    public void initialized(FuseSession session, InitResult init) {
        mount.initialized(session, init);
    }

    @Override
    public void destroyed() {
        mount.destroyed();
    }

    @Override
    public void handle(Request request, Reply reply) {
        long start = System.nanoTime();
        boolean failed = false;
        try {
            dispatch(request, reply);
        } catch (FuseException e) {
            failed = !isExpectedAnswer(request, e.errno());
            reply.error(e.errno());
        } catch (RuntimeException e) {
            failed = true;
            mount.internalErrors.increment();
            LOG.warn("mount {}: {} on node {} failed with an unexpected exception; answered EIO", mount.label(),
                    OperationCounters.name(request.header().opcode()), request.header().nodeId(), e);
            reply.error(Errno.EIO);
        } finally {
            mount.operations.record(request.header().opcode(), System.nanoTime() - start, failed);
        }
    }

    /**
     * An error answer that is the normal outcome of a probe, not a failure: a name looked up that does not exist
     * (every shell, compiler and loader probes), an extended attribute that is not set (ls and cp ask for ACLs and
     * security labels on every file). Counted as requests, not as errors, in the statistics.
     */
    static boolean isExpectedAnswer(Request request, Errno errno) {
        return switch (request) {
            case Request.Lookup ignored -> errno == Errno.ENOENT;
            case Request.GetXattr ignored -> errno == Errno.ENODATA;
            case Request.ListXattr ignored -> errno == Errno.ENODATA;
            default -> false;
        };
    }

    private void dispatch(Request request, Reply reply) throws FuseException {
        switch (request) {
            case Request.Forget r -> forget(binding -> nodes.forget(binding, r.nodeId(), r.count()));
            case Request.BatchForget r -> mount.forgetInBackground(
                    () -> forget(binding -> nodes.forget(binding, r.nodeIds(), r.counts())));
            case Request.Lookup r -> lookup(r, reply);
            case Request.GetAttr r -> getattr(r, reply);
            case Request.SetAttr r -> setattr(r, reply);
            case Request.ReadLink r -> readlink(r, reply);
            case Request.Symlink r -> entry(r.header(), r.name(), reply,
                    (fs, caller, parent) -> fs.fs.symlink(caller, parent, r.name(), r.target()), 0, false);
            case Request.MkNod r -> entry(r.header(), r.name(), reply,
                    (fs, caller, parent) -> fs.fs.mknod(caller, parent, r.name(), r.mode(), r.rdev()), r.umask(),
                    false);
            case Request.MkDir r -> entry(r.header(), r.name(), reply,
                    (fs, caller, parent) -> fs.fs.mkdir(caller, parent, r.name(), r.mode()), r.umask(), false);
            case Request.Link r -> link(r, reply);
            case Request.Unlink r -> unlink(r.header(), r.name(), false, reply);
            case Request.RmDir r -> unlink(r.header(), r.name(), true, reply);
            case Request.Rename r -> rename(r, reply);
            case Request.Open r -> open(r, reply);
            case Request.Create r -> create(r, reply);
            case Request.Read r -> read(r, reply);
            case Request.Write r -> write(r, reply);
            case Request.Flush r -> fileOp(r.header(), r.fh(), (file, caller) -> {
                file.binding().fs.flush(caller, file.handle());
                return null;
            }, reply);
            case Request.Fsync r -> fileOp(r.header(), r.fh(), (file, caller) -> {
                file.binding().fs.fsync(caller, file.handle(), r.dataOnly());
                return null;
            }, reply);
            case Request.Fallocate r -> fileOp(r.header(), r.fh(), (file, caller) -> {
                file.binding().fs.fallocate(caller, file.handle(), r.mode(), r.offset(), r.length());
                return null;
            }, reply);
            case Request.Lseek r -> lseek(r, reply);
            case Request.CopyFileRange r -> copyFileRange(r, reply);
            case Request.Release r -> release(r.fh(), false, reply);
            case Request.OpenDir r -> opendir(r, reply);
            case Request.ReadDir r -> readdir(r, reply);
            case Request.ReleaseDir r -> release(r.fh(), true, reply);
            case Request.FsyncDir r -> fsyncdir(r, reply);
            case Request.StatFs r -> statfs(r, reply);
            case Request.Access r -> nodeOp(r.header(), reply, (b, caller, node) -> b.fs.access(caller, node, r.mask()));
            case Request.SetXattr r -> nodeOp(r.header(), reply, (b, caller, node) -> setxattr(b, caller, node, r));
            case Request.RemoveXattr r -> nodeOp(r.header(), reply,
                    (b, caller, node) -> b.fs.removexattr(caller, node, r.name()));
            case Request.GetXattr r -> xattr(r.header(), r.size(), reply,
                    (b, caller, node, buffer) -> b.fs.getxattr(caller, node, r.name(), buffer));
            case Request.ListXattr r -> xattr(r.header(), r.size(), reply,
                    (b, caller, node, buffer) -> b.fs.listxattr(caller, node, buffer));
        }
    }

    // ---- nodes -------------------------------------------------------------------------------------------------

    /** Runs a forget with the current binding acquired, or {@code null} while none is bound (no waiting). */
    private void forget(Consumer<Binding> drop) {
        Binding binding = gate.tryEnter();
        try {
            drop.accept(binding);
        } finally {
            if (binding != null) {
                binding.release();
            }
        }
    }

    private void lookup(Request.Lookup r, Reply reply) throws FuseException {
        if (r.name().equals(".") || r.name().equals("..")) {
            // Only NFS export asks this; the SPI has no parent lookup, and ENOENT makes the kernel give up cleanly.
            throw new FuseException(Errno.ENOENT);
        }
        try {
            entry(r.header(), r.name(), reply, (b, caller, parent) -> b.fs.lookup(caller, parent, r.name()), 0, true);
        } catch (FuseException e) {
            long negativeTimeout = mount.negativeTimeoutNanos();
            if (e.errno() != Errno.ENOENT || negativeTimeout == 0) {
                throw e;
            }
            // Node id 0: the kernel keeps a negative dentry for the timeout, and asks again only after it
            // (or at once when the name is created, renamed or linked through the mount).
            reply.entry(new EntryOut(0, 0, negativeTimeout, 0, NO_ATTRIBUTES));
        }
    }

    @FunctionalInterface
    private interface EntryCall {
        Entry call(Binding binding, Caller caller, Node parent) throws FuseException;
    }

    /**
     * LOOKUP ({@code lookup}: marks the parent for the listing cache), MKNOD, MKDIR, SYMLINK: one new lookup on
     * the returned node, undone if the kernel did not take it.
     */
    private void entry(RequestHeader header, String name, Reply reply, EntryCall call, int umask, boolean lookup)
            throws FuseException {
        RequestCaller caller = new RequestCaller(header, mount.effectiveUmask(umask));
        Binding binding = gate.enter(header);
        try {
            Node parent = lookup ? nodes.resolveLookupParent(binding, header.nodeId(), caller)
                    : nodes.resolve(binding, header.nodeId(), caller);
            Entry entry = call.call(binding, caller, parent);
            NodeRecord record = nodes.register(binding, header.nodeId(), name, entry);
            if (!reply.entry(entryOut(record, entry.attributes()))) {
                nodes.unregister(binding, record);
            }
        } finally {
            binding.release();
        }
    }

    private void link(Request.Link r, Reply reply) throws FuseException {
        RequestCaller caller = new RequestCaller(r.header());
        Binding binding = gate.enter(r.header());
        try {
            Node node = nodes.resolve(binding, r.oldNodeId(), caller);
            Node newParent = nodes.resolve(binding, r.header().nodeId(), caller);
            Entry entry = binding.fs.link(caller, node, newParent, r.newName());
            NodeRecord record = nodes.register(binding, r.header().nodeId(), r.newName(), entry);
            if (!reply.entry(entryOut(record, entry.attributes()))) {
                nodes.unregister(binding, record);
            }
        } finally {
            binding.release();
        }
    }

    private void unlink(RequestHeader header, String name, boolean directory, Reply reply) throws FuseException {
        RequestCaller caller = new RequestCaller(header);
        Binding binding = gate.enter(header);
        try {
            Node parent = nodes.resolve(binding, header.nodeId(), caller);
            if (directory) {
                binding.fs.rmdir(caller, parent, name);
            } else {
                binding.fs.unlink(caller, parent, name);
            }
            nodes.unlinked(header.nodeId(), name);
        } finally {
            binding.release();
        }
        reply.ok();
    }

    private void rename(Request.Rename r, Reply reply) throws FuseException {
        RequestCaller caller = new RequestCaller(r.header());
        Binding binding = gate.enter(r.header());
        try {
            Node parent = nodes.resolve(binding, r.header().nodeId(), caller);
            Node newParent = nodes.resolve(binding, r.newParent(), caller);
            binding.fs.rename(caller, parent, r.name(), newParent, r.newName(), r.flags());
            nodes.renamed(r.header().nodeId(), r.name(), r.newParent(), r.newName(),
                    (r.flags() & FileSystem.RENAME_EXCHANGE) != 0);
        } finally {
            binding.release();
        }
        reply.ok();
    }

    private void getattr(Request.GetAttr r, Reply reply) throws FuseException {
        OpenFile open = handles.find(r.fh());
        Attributes attributes;
        if (open != null && !open.directory()) {
            attributes = onFile(open, (file, caller) -> file.binding().fs.getattr(caller, file.node(),
                    file.handle()), r.header());
        } else {
            attributes = onNode(r.header(), (b, caller, node) -> b.fs.getattr(caller, node, null));
        }
        reply.attributes(attributes, mount.attrTimeoutNanos());
    }

    private void setattr(Request.SetAttr r, Reply reply) throws FuseException {
        OpenFile open = handles.find(r.fh());
        Attributes attributes;
        if (open != null && !open.directory()) {
            attributes = onFile(open, (file, caller) -> file.binding().fs.setattr(caller, file.node(),
                    file.handle(), r.changes()), r.header());
        } else {
            attributes = onNode(r.header(), (b, caller, node) -> b.fs.setattr(caller, node, null, r.changes()));
        }
        reply.attributes(attributes, mount.attrTimeoutNanos());
    }

    private void readlink(Request.ReadLink r, Reply reply) throws FuseException {
        reply.readlink(onNode(r.header(), (b, caller, node) -> b.fs.readlink(caller, node)));
    }

    private void statfs(Request.StatFs r, Reply reply) throws FuseException {
        reply.statfs(onNode(r.header(), (b, caller, node) -> b.fs.statfs(caller, node)));
    }

    @FunctionalInterface
    private interface NodeCall<T> {
        T call(Binding binding, Caller caller, Node node) throws FuseException;
    }

    @FunctionalInterface
    private interface NodeAction {
        void call(Binding binding, Caller caller, Node node) throws FuseException;
    }

    private <T> T onNode(RequestHeader header, NodeCall<T> call) throws FuseException {
        RequestCaller caller = new RequestCaller(header);
        Binding binding = gate.enter(header);
        try {
            return call.call(binding, caller, nodes.resolve(binding, header.nodeId(), caller));
        } finally {
            binding.release();
        }
    }

    private void nodeOp(RequestHeader header, Reply reply, NodeAction action) throws FuseException {
        onNode(header, (b, caller, node) -> {
            action.call(b, caller, node);
            return null;
        });
        reply.ok();
    }

    /**
     * SETXATTR, and for an ACL that the kernel flags FUSE_SETXATTR_ACL_KILL_SGID (set by a caller outside the
     * file's group, without CAP_FSETID) the set-group-ID bit goes too, as a local file system's
     * {@code posix_acl_update_mode} would clear it. The host file system does not: the server setting the ACL is
     * privileged. Done here, through {@code setattr}, so it holds for every backend.
     */
    private static void setxattr(Binding binding, Caller caller, Node node, Request.SetXattr r)
            throws FuseException {
        binding.fs.setxattr(caller, node, r.name(), r.value(), r.flags());
        if (r.killSetGid()) {
            Attributes a = binding.fs.getattr(caller, node, null);
            if ((a.mode() & S_ISGID) != 0) {
                binding.fs.setattr(caller, node, null, AttributeChanges.NONE.withMode(a.mode() & 07777 & ~S_ISGID));
            }
        }
    }

    @FunctionalInterface
    private interface BufferCall {
        int call(Binding binding, Caller caller, Node node, MemorySegment buffer) throws FuseException;
    }

    /** GETXATTR and LISTXATTR: a size query with size 0, else the value straight into the reply buffer. */
    private void xattr(RequestHeader header, int size, Reply reply, BufferCall call) throws FuseException {
        if (size == 0) {
            reply.xattrSize(onNode(header, (b, caller, node) -> call.call(b, caller, node, MemorySegment.NULL)));
        } else {
            MemorySegment buffer = reply.dataBuffer(size);
            reply.data(onNode(header, (b, caller, node) -> call.call(b, caller, node, buffer)));
        }
    }

    // ---- open files --------------------------------------------------------------------------------------------

    private void open(Request.Open r, Reply reply) throws FuseException {
        RequestCaller caller = new RequestCaller(r.header());
        Binding binding = gate.enter(r.header());
        try (HandleTable.Slot slot = reserve(caller)) {
            long nodeId = r.header().nodeId();
            Node node = nodes.resolve(binding, nodeId, caller);
            Opened opened = onBackend(r.flags(), flags -> binding.fs.open(caller, node, flags));
            OpenFile file = admit(binding, caller, nodeId, node, opened, r.flags(), r.killPrivileges(), slot)
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

    private void create(Request.Create r, Reply reply) throws FuseException {
        RequestCaller caller = new RequestCaller(r.header(), mount.effectiveUmask(r.umask()));
        Binding binding = gate.enter(r.header());
        try (HandleTable.Slot slot = reserve(caller)) {
            long parentId = r.header().nodeId();
            Node parent = nodes.resolve(binding, parentId, caller);
            Created created = onBackend(r.flags(),
                    flags -> binding.fs.create(caller, parent, r.name(), flags, r.mode()));
            NodeRecord record;
            try {
                record = nodes.register(binding, parentId, r.name(), created.entry());
            } catch (FuseException e) {
                binding.fs.release(created.opened().handle());
                throw e;
            }
            Node node = created.entry().node();
            Admitted file;
            try {
                file = admit(binding, caller, record.id, node, created.opened(), r.flags(), r.killPrivileges(),
                        slot);
            } catch (FuseException | RuntimeException e) {
                nodes.unregister(binding, record);
                throw e;
            }
            Attributes attributes = created.entry().attributes();
            if (file.privilegesDropped()) {
                attributes = binding.fs.getattr(caller, node, file.open().handle());
            }
            OpenTicket ticket = file.open().ticket();
            boolean accepted = reply.create(entryOut(record, attributes), file.open().fh(), ticket.openFlags(),
                    ticket.backingId());
            ticket.replied(accepted);
            if (!accepted) {
                discard(file.open());
                nodes.unregister(binding, record);
            }
        } finally {
            binding.release();
        }
    }

    @FunctionalInterface
    private interface OpenCall<T> {
        T open(int flags) throws FuseException;
    }

    /**
     * Opens on the backend with the kernel's {@code flags}, changed as a mount with the writeback cache needs (as
     * libfuse's passthrough_hp does). The kernel then reads pages through any open file, one opened write-only too
     * (to fill a page that a write covers only in part), so the backend opens {@code O_WRONLY} as {@code O_RDWR};
     * and the kernel places appends itself (it keeps the size and sends each WRITE at its end offset), so the
     * backend must not open with {@code O_APPEND}, which would put every write at the host file's end instead. A
     * caller allowed to write but not to read still opens (write-only): its writes that cover a page in part then
     * fail with EIO, where refusing the open would fail them all.
     */
    private <T> T onBackend(int flags, OpenCall<T> call) throws FuseException {
        if (!mount.writebackCache()) {
            return call.open(flags);
        }
        int withoutAppend = flags & ~O_APPEND;
        if ((flags & O_ACCMODE) != O_WRONLY) {
            return call.open(withoutAppend);
        }
        try {
            return call.open(withoutAppend & ~O_ACCMODE | O_RDWR);
        } catch (FuseException e) {
            if (e.errno() != Errno.EACCES) {
                throw e;
            }
            return call.open(withoutAppend);
        }
    }

    /** An admitted open: the open file and whether its set-user-ID/set-group-ID bits were just cleared. */
    private record Admitted(OpenFile open, boolean privilegesDropped) {
    }

    /**
     * Registers an open file: passthrough decision, fh, and the privilege rule. Set-user-ID and set-group-ID
     * bits must go when an unprivileged caller writes. Java-served writes carry the kernel's KILL_SUIDGID flag to
     * the backend, and so do truncating opens ({@code killPrivileges}); but passthrough writes never reach us and
     * run with the server's credentials, which keep the bits. So a passthrough open for writing by a caller other
     * than root clears them before the reply, through the backend ({@code setattr} with only
     * {@code killPrivileges}). Backends may clear them in {@code open} too (the local backend does); the mount's
     * check makes it hold for every backend.
     */
    private Admitted admit(Binding binding, Caller caller, long nodeId, Node node, Opened opened, int flags,
            boolean killPrivileges, HandleTable.Slot slot) throws FuseException {
        OpenTicket ticket = mount.passthroughManager().open(nodeId, opened);
        OpenFile file = new OpenFile(handles.nextFh(), nodeId, binding, node, opened.handle(), ticket, false, flags,
                Opener.of(caller));
        binding.handleOpened();
        handles.put(file, slot);
        try {
            boolean passthroughWriter = ticket.mode() == OpenMode.PASSTHROUGH && caller.uid() != 0
                    && (flags & O_ACCMODE) != 0;
            boolean dropped = false;
            if (killPrivileges || passthroughWriter) {
                Attributes attributes = binding.fs.getattr(caller, node, opened.handle());
                int mode = attributes.mode();
                if ((mode & S_ISUID) != 0 || (mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP)) {
                    binding.fs.setattr(caller, node, opened.handle(), KILL_PRIVILEGES);
                    dropped = true;
                }
            }
            return new Admitted(file, dropped);
        } catch (FuseException | RuntimeException e) {
            ticket.replied(false);
            discard(file);
            throw e;
        }
    }

    /**
     * Room for one more open file on this mount, taken before the backend opens or creates anything (a refused
     * create leaves no file behind); beyond the mount's {@code max_open_files} the caller gets EMFILE.
     */
    private HandleTable.Slot reserve(Caller caller) throws FuseException {
        int limit = mount.maxOpenFiles();
        HandleTable.Slot slot = handles.reserve(limit);
        if (slot == null) {
            mount.openFilesExhausted(caller.uid(), limit);
            throw new FuseException(Errno.EMFILE, "max_open_files (" + limit + ") reached");
        }
        return slot;
    }

    /** Forgets an open file the kernel never got (its passthrough claim is already undone). */
    private void discard(OpenFile file) {
        if (handles.remove(file)) {
            closeOnBackend(file);
        }
    }

    private void release(long fh, boolean directory, Reply reply) {
        OpenFile file = handles.remove(fh);
        if (file != null) {
            if (file.ticket() != null) {
                file.ticket().release();
            }
            closeOnBackend(file);
        }
        reply.ok();
    }

    /** Gives the handle back to the backend that opened it (unless that binding is gone) and unpins it. */
    void closeOnBackend(OpenFile file) {
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
                    mount.internalErrors.increment();
                    LOG.warn("mount {}: backend {} failed to release a handle", mount.label(), binding.backend, e);
                } finally {
                    binding.release();
                }
            }
        } finally {
            binding.handleClosed();
        }
    }

    @FunctionalInterface
    private interface FileCall<T> {
        T call(OpenFile file, Caller caller) throws FuseException;
    }

    /**
     * Runs {@code call} on the open file's binding. A file whose binding was closed under it (its backend service
     * went away) first {@link #move moves} to the current binding.
     */
    private <T> T onFile(OpenFile file, FileCall<T> call, RequestHeader header) throws FuseException {
        OpenFile target = acquire(file, header);
        try {
            return call.call(target, new RequestCaller(header));
        } finally {
            target.binding().release();
        }
    }

    /** The open file with its binding acquired: {@code file} itself, or where it moved to. */
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
                Node node = nodes.resolve(next, current.nodeId(), current.opener());
                Handle handle = current.directory() ? next.fs.opendir(current.opener(), node)
                        : onBackend(current.flags() & ~REOPEN_DROPPED,
                                flags -> next.fs.open(current.opener(), node, flags)).handle();
                OpenFile moved = current.movedTo(next, node, handle);
                next.handleOpened();
                if (!handles.replace(current, moved)) {
                    closeOnBackend(moved);
                    throw new FuseException(Errno.EBADF, "file " + file.fh() + " was released");
                }
                current.binding().handleClosed();
                mount.movedFiles.increment();
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

    private <T> T withFile(RequestHeader header, long fh, boolean directory, FileCall<T> call) throws FuseException {
        return onFile(handles.get(fh, directory), call, header);
    }

    private void fileOp(RequestHeader header, long fh, FileCall<Void> call, Reply reply) throws FuseException {
        withFile(header, fh, false, call);
        reply.ok();
    }

    private void read(Request.Read r, Reply reply) throws FuseException {
        MemorySegment buffer = reply.dataBuffer(r.size());
        int n = withFile(r.header(), r.fh(), false,
                (file, caller) -> file.binding().fs.read(caller, file.handle(), r.offset(), buffer));
        reply.data(n);
        mount.javaBytesRead.add(n);
    }

    private void write(Request.Write r, Reply reply) throws FuseException {
        int n = withFile(r.header(), r.fh(), false, (file, caller) -> file.binding().fs.write(caller,
                file.handle(), r.offset(), r.data(), r.killPrivileges()));
        reply.written(n);
        mount.javaBytesWritten.add(n);
    }

    /**
     * SEEK_DATA and SEEK_HOLE (the only seeks the kernel sends). With the writeback cache, data just written may
     * still be in the kernel's page cache and not yet in the backend's file, which would then report a hole (or
     * ENXIO) where the caller just wrote, and the kernel does not write back before asking. So such a mount answers
     * ENOSYS: the kernel then answers every such seek itself, for the whole connection, from the file size (data
     * up to the end, the one hole at it), as on a file system without hole reporting, and as libfuse's
     * passthrough_hp does, which has no lseek.
     */
    private void lseek(Request.Lseek r, Reply reply) throws FuseException {
        if (mount.writebackCache()) {
            throw new FuseException(Errno.ENOSYS, "SEEK_DATA/SEEK_HOLE with the writeback cache: the kernel's own");
        }
        reply.lseek(withFile(r.header(), r.fh(), false,
                (file, caller) -> file.binding().fs.lseek(caller, file.handle(), r.offset(), r.whence())));
    }

    private void copyFileRange(Request.CopyFileRange r, Reply reply) throws FuseException {
        OpenFile in = acquire(handles.get(r.fhIn(), false), r.header());
        try {
            OpenFile out = acquire(handles.get(r.fhOut(), false), r.header());
            try {
                if (in.binding() != out.binding()) {
                    throw new FuseException(Errno.EXDEV, "files of different backends"); // the kernel copies itself
                }
                reply.written(in.binding().fs.copyFileRange(new RequestCaller(r.header()), in.handle(),
                        r.offsetIn(), out.handle(), r.offsetOut(), r.length(), (int) r.flags()));
            } finally {
                out.binding().release();
            }
        } finally {
            in.binding().release();
        }
    }

    // ---- directories -------------------------------------------------------------------------------------------

    private void opendir(Request.OpenDir r, Reply reply) throws FuseException {
        RequestCaller caller = new RequestCaller(r.header());
        Binding binding = gate.enter(r.header());
        try (HandleTable.Slot slot = reserve(caller)) {
            long nodeId = r.header().nodeId();
            Node node = nodes.resolve(binding, nodeId, caller);
            Handle handle = binding.fs.opendir(caller, node);
            OpenFile dir = new OpenFile(handles.nextFh(), nodeId, binding, node, handle, null, true, 0,
                    Opener.of(caller));
            binding.handleOpened();
            handles.put(dir, slot);
            int flags;
            try {
                flags = listingCacheFlags(binding.fs.directoryCaching(node, handle),
                        nodes.takeChildrenLookedUp(nodeId));
            } catch (RuntimeException e) {
                discard(dir);
                throw e;
            }
            if (!reply.open(dir.fh(), flags, 0)) {
                discard(dir);
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

    private void fsyncdir(Request.FsyncDir r, Reply reply) throws FuseException {
        withFile(r.header(), r.fh(), true, (dir, caller) -> {
            dir.binding().fs.fsyncdir(caller, dir.handle(), r.dataOnly());
            return null;
        });
        reply.ok();
    }

    /**
     * READDIR and READDIRPLUS, filled by a {@link ReplyFiller}. A directory opened on a binding that was swapped out
     * lists names only, since its lookups would belong to the old backend.
     */
    private void readdir(Request.ReadDir r, Reply reply) throws FuseException {
        OpenFile dir = acquire(handles.get(r.fh(), true), r.header());
        Binding binding = dir.binding();
        try {
            RequestCaller caller = new RequestCaller(r.header());
            DirectoryReply out = reply.directory();
            ReplyFiller filler = new ReplyFiller(r.plus(), out, r.plus() && binding == gate.current(), binding,
                    caller, dir);
            try {
                binding.fs.readdir(caller, dir.node(), dir.handle(), r.offset(), filler);
            } catch (FuseException e) {
                if (filler.counted.isEmpty()) {
                    throw e;
                }
                // Entries are already in the reply: send them; the kernel asks again and then gets the error.
            }
            // send() does not say whether the kernel took the reply. It always does unless the connection is gone:
            // a request the server has read is waited for even by a killed caller (fuse_request_wait_answer).
            out.send();
        } finally {
            binding.release();
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
                return out.add(inode, next, direntType(type), name);
            }
            return add(FileNames.decode(name), inode, type, next);
        }

        @Override
        public boolean add(String name, long inode, FileType type, long next) {
            int direntType = direntType(type);
            if (!plus) {
                return out.add(inode, next, direntType, name);
            }
            if (!lookups || name.equals(".") || name.equals("..") || !out.fits(name)) {
                return out.addPlus(nameOnly(inode, type), next, direntType, name);
            }
            NodeRecord record;
            Entry entry;
            try {
                entry = binding.fs.lookup(caller, dir.node(), name);
                record = nodes.register(binding, dir.nodeId(), name, entry);
            } catch (FuseException e) {
                return out.addPlus(nameOnly(inode, type), next, direntType, name); // raced a removal
            }
            if (out.addPlus(entryOut(record, entry.attributes()), next, direntType, name)) {
                counted.add(record);
                return true;
            }
            nodes.unregister(binding, record);
            return false;
        }

        private static int direntType(FileType type) {
            return type == null ? 0 : type.direntType();
        }
    }

    // ---- replies -----------------------------------------------------------------------------------------------

    private EntryOut entryOut(NodeRecord record, Attributes attributes) {
        return new EntryOut(record.id, 0, mount.entryTimeoutNanos(), mount.attrTimeoutNanos(), attributes);
    }

    /** A READDIRPLUS entry that gives the kernel only the name (node id 0: nothing to cache or count). */
    private static EntryOut nameOnly(long inode, FileType type) {
        int mode = type == null ? 0 : type.modeBits();
        return new EntryOut(0, 0, 0, 0, Attributes.builder(inode, mode).build());
    }
}
