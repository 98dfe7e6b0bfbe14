package fuse.mount.internal;

import java.lang.foreign.MemorySegment;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.Attributes;
import fuse.api.Caller;
import fuse.api.Entry;
import fuse.api.Errno;
import fuse.api.FileSystem;
import fuse.api.FuseException;
import fuse.api.Node;
import fuse.channel.EntryOut;
import fuse.channel.FuseSession;
import fuse.channel.InitResult;
import fuse.channel.Reply;
import fuse.channel.Request;
import fuse.channel.RequestHandler;
import fuse.channel.RequestHeader;

/**
 * Routes every request of a session: requests about nodes it answers itself, calling the bound backend with node
 * ids made backend nodes through the {@link NodeTable}; requests about open files go to {@link OpenFiles} (to the
 * binding that opened them, even after a swap), listings to {@link DirectoryReplies}. A {@link FuseException}
 * becomes its errno, anything else EIO with one warning and its stack trace.
 *
 * <p>Requests about nodes go through the {@link Gate} (they wait for a backend). Every reply that hands the kernel
 * something to count (an entry, an open file) is undone when the kernel did not take it.
 */
final class Dispatcher implements RequestHandler {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    /** The session's start and end, which belong to the mount's lifecycle. */
    interface SessionEvents {
        void initialized(FuseSession session, InitResult init);

        /** Called on a reader thread. */
        void destroyed();
    }

    private final ServedMount mount;
    private final SessionEvents events;
    private final MountCounters counters;
    private final Gate gate;
    private final NodeTable nodes;
    private final OpenFiles files;
    private final DirectoryReplies directories;
    private final EntryReplies entries;

    Dispatcher(ServedMount mount, SessionEvents events, MountCounters counters, Gate gate, NodeTable nodes,
            OpenFiles files, DirectoryReplies directories, EntryReplies entries) {
        this.mount = mount;
        this.events = events;
        this.counters = counters;
        this.gate = gate;
        this.nodes = nodes;
        this.files = files;
        this.directories = directories;
        this.entries = entries;
    }

    @Override
    public void initialized(FuseSession session, InitResult init) {
        events.initialized(session, init);
    }

    @Override
    public void destroyed() {
        events.destroyed();
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
            counters.internalErrors.increment();
            LOG.warn("mount {}: {} on node {} failed with an unexpected exception; answered EIO", mount.label(),
                    RequestHeader.opcodeName(request.header().opcode()), request.header().nodeId(), e);
            reply.error(Errno.EIO);
        } finally {
            counters.operations.record(request.header().opcode(), System.nanoTime() - start, failed);
        }
    }

    /**
     * An error answer that is the normal outcome of a probe, not a failure: a name looked up that does not exist
     * (every shell, compiler and loader probes), an extended attribute that is not set (ls and cp ask for ACLs and
     * security labels on every file), a directory the kernel is to open itself ({@link DirectoryReplies#opendir}).
     * Counted as requests, not as errors, in the statistics.
     */
    static boolean isExpectedAnswer(Request request, Errno errno) {
        return switch (request) {
            case Request.Lookup ignored -> errno == Errno.ENOENT;
            case Request.GetXattr ignored -> errno == Errno.ENODATA;
            case Request.ListXattr ignored -> errno == Errno.ENODATA;
            case Request.OpenDir ignored -> errno == Errno.ENOSYS;
            default -> false;
        };
    }

    private void dispatch(Request request, Reply reply) throws FuseException {
        switch (request) {
            case Request.Forget r -> nodes.forget(r.nodeId(), r.count());
            case Request.BatchForget r -> mount.inBackground(() -> nodes.forget(r.nodeIds(), r.counts()));
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
            case Request.Open r -> files.open(r, reply);
            case Request.Create r -> files.create(r, reply);
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
            case Request.Release r -> files.release(r.fh(), reply);
            case Request.OpenDir r -> directories.opendir(r, reply);
            case Request.ReadDir r -> directories.readdir(r, reply);
            case Request.ReleaseDir r -> files.release(r.fh(), reply);
            case Request.FsyncDir r -> directories.fsyncdir(r, reply);
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

    private void lookup(Request.Lookup r, Reply reply) throws FuseException {
        if (r.name().equals(".") || r.name().equals("..")) {
            // Only NFS export asks this; the SPI has no parent lookup, and ENOENT makes the kernel give up cleanly.
            throw new FuseException(Errno.ENOENT);
        }
        try {
            entry(r.header(), r.name(), reply, (b, caller, parent) -> b.fs.lookup(caller, parent, r.name()), 0, true);
        } catch (FuseException e) {
            EntryOut negative = e.errno() == Errno.ENOENT ? entries.negative() : null;
            if (negative == null) {
                throw e;
            }
            // Node id 0: the kernel keeps a negative dentry for the timeout, and asks again only after it
            // (or at once when the name is created, renamed or linked through the mount).
            reply.entry(negative);
        }
    }

    @FunctionalInterface
    private interface EntryCall {
        Entry call(Binding binding, Caller caller, Node parent) throws FuseException;
    }

    /**
     * LOOKUP ({@code lookup}: marks the parent for the listing cache), MKNOD, MKDIR, SYMLINK: one new lookup on
     * the returned node, undone if the kernel did not take it. A node released while the backend answered is
     * looked up again by name ({@link NodeTable}).
     */
    private void entry(RequestHeader header, String name, Reply reply, EntryCall call, int umask, boolean lookup)
            throws FuseException {
        RequestCaller caller = new RequestCaller(header, mount.effectiveUmask(umask));
        Binding binding = gate.enter(header);
        try (NodeTable.Use parent = lookup ? nodes.useLookupParent(binding, header.nodeId(), caller)
                : nodes.use(binding, header.nodeId(), caller)) {
            NodeTable.Registered registered = nodes.register(binding, header.nodeId(), name,
                    () -> call.call(binding, caller, parent.node()),
                    () -> binding.fs.lookup(caller, parent.node(), name));
            if (!lookup) {
                nodes.entriesChanged(parent.record());
            }
            answer(reply, registered);
        } finally {
            binding.release();
        }
    }

    private void link(Request.Link r, Reply reply) throws FuseException {
        RequestCaller caller = new RequestCaller(r.header());
        Binding binding = gate.enter(r.header());
        try (NodeTable.Use node = nodes.use(binding, r.oldNodeId(), caller);
                NodeTable.Use newParent = nodes.use(binding, r.header().nodeId(), caller)) {
            NodeTable.Registered registered = nodes.register(binding, r.header().nodeId(), r.newName(),
                    () -> binding.fs.link(caller, node.node(), newParent.node(), r.newName()),
                    () -> binding.fs.lookup(caller, newParent.node(), r.newName()));
            nodes.entriesChanged(newParent.record());
            answer(reply, registered);
        } finally {
            binding.release();
        }
    }

    /** Hands the kernel a registered entry; undone when it did not take it. */
    private void answer(Reply reply, NodeTable.Registered registered) {
        if (!reply.entry(entries.entry(registered.record(), registered.entry().attributes()))) {
            nodes.unregister(registered.record());
        }
    }

    private void unlink(RequestHeader header, String name, boolean directory, Reply reply) throws FuseException {
        RequestCaller caller = new RequestCaller(header);
        Binding binding = gate.enter(header);
        try (NodeTable.Use parent = nodes.use(binding, header.nodeId(), caller)) {
            if (directory) {
                binding.fs.rmdir(caller, parent.node(), name);
            } else {
                binding.fs.unlink(caller, parent.node(), name);
            }
            nodes.entriesChanged(parent.record());
            nodes.unlinked(header.nodeId(), name);
        } finally {
            binding.release();
        }
        reply.ok();
    }

    private void rename(Request.Rename r, Reply reply) throws FuseException {
        RequestCaller caller = new RequestCaller(r.header());
        Binding binding = gate.enter(r.header());
        try (NodeTable.Use parent = nodes.use(binding, r.header().nodeId(), caller);
                NodeTable.Use newParent = nodes.use(binding, r.newParent(), caller)) {
            binding.fs.rename(caller, parent.node(), r.name(), newParent.node(), r.newName(), r.flags());
            nodes.entriesChanged(parent.record());
            nodes.entriesChanged(newParent.record());
            nodes.renamed(r.header().nodeId(), r.name(), r.newParent(), r.newName(),
                    (r.flags() & FileSystem.RENAME_EXCHANGE) != 0);
        } finally {
            binding.release();
        }
        reply.ok();
    }

    private void getattr(Request.GetAttr r, Reply reply) throws FuseException {
        OpenFile open = files.find(r.fh());
        Attributes attributes;
        if (open != null && !open.directory()) {
            attributes = files.on(open, (file, caller) -> file.binding().fs.getattr(caller, file.node(),
                    file.handle()), r.header());
        } else {
            attributes = onNode(r.header(), (b, caller, node) -> b.fs.getattr(caller, node, null));
        }
        reply.attributes(attributes, mount.attrTimeoutNanos());
    }

    private void setattr(Request.SetAttr r, Reply reply) throws FuseException {
        OpenFile open = files.find(r.fh());
        Attributes attributes;
        if (open != null && !open.directory()) {
            attributes = files.on(open, (file, caller) -> file.binding().fs.setattr(caller, file.node(),
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
        try (NodeTable.Use node = nodes.use(binding, header.nodeId(), caller)) {
            return call.call(binding, caller, node.node());
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

    /** SETXATTR, then the {@link PrivilegeRule} for an ACL the kernel flagged FUSE_SETXATTR_ACL_KILL_SGID. */
    private static void setxattr(Binding binding, Caller caller, Node node, Request.SetXattr r)
            throws FuseException {
        binding.fs.setxattr(caller, node, r.name(), r.value(), r.flags());
        if (r.killSetGid()) {
            PrivilegeRule.clearSetGidAfterAcl(binding.fs, caller, node);
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

    // ---- requests on open files ---------------------------------------------------------------------------------

    private void fileOp(RequestHeader header, long fh, OpenFiles.FileCall<Void> call, Reply reply)
            throws FuseException {
        files.with(header, fh, false, call);
        reply.ok();
    }

    private void read(Request.Read r, Reply reply) throws FuseException {
        MemorySegment buffer = reply.dataBuffer(r.size());
        int n = files.with(r.header(), r.fh(), false,
                (file, caller) -> file.binding().fs.read(caller, file.handle(), r.offset(), buffer));
        reply.data(n);
        counters.javaBytesRead.add(n);
    }

    private void write(Request.Write r, Reply reply) throws FuseException {
        int n = files.with(r.header(), r.fh(), false, (file, caller) -> file.binding().fs.write(caller,
                file.handle(), r.offset(), r.data(), r.killPrivileges()));
        reply.written(n);
        counters.javaBytesWritten.add(n);
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
        reply.lseek(files.with(r.header(), r.fh(), false,
                (file, caller) -> file.binding().fs.lseek(caller, file.handle(), r.offset(), r.whence())));
    }

    private void copyFileRange(Request.CopyFileRange r, Reply reply) throws FuseException {
        OpenFile in = files.acquire(r.header(), r.fhIn(), false);
        try {
            OpenFile out = files.acquire(r.header(), r.fhOut(), false);
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
}
