package fuse.channel.internal;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import fuse.api.Errno;
import fuse.channel.BackingException;
import fuse.channel.BackingFiles;
import fuse.channel.InitResult;
import fuse.channel.MountOptions;
import fuse.channel.Notifier;
import fuse.channel.Rehearsal;
import fuse.channel.RequestHandler;
import fuse.channel.kernel.FuseBatchForgetIn;
import fuse.channel.kernel.FuseDirent;
import fuse.channel.kernel.FuseDirentplus;
import fuse.channel.kernel.FuseEntryOut;
import fuse.channel.kernel.FuseForgetOne;
import fuse.channel.kernel.FuseInHeader;
import fuse.channel.kernel.FuseInitIn;
import fuse.channel.kernel.FuseKernel;
import fuse.channel.kernel.FuseOpcode;
import fuse.channel.kernel.FuseOpenIn;
import fuse.channel.kernel.FuseOpenOut;
import fuse.channel.kernel.FuseOutHeader;
import fuse.channel.kernel.FuseReadIn;
import fuse.channel.kernel.FuseReleaseIn;
import fuse.posix.Linux;
import fuse.posix.Posix;

/**
 * {@link Rehearsal}: the kernel's side played in memory. Each request is written into a reader context's buffer as
 * /dev/fuse would deliver it and dispatched as a reader thread would; the reply stays in the context's write
 * buffer, where the next request reads what it needs (a node id, a handle, an offset). Nothing is mounted, so
 * there are no backing files and nobody to notify: passthrough opens fail and notifications are dropped.
 */
public final class ChannelRehearsal implements Rehearsal, Dispatcher.Listener {
    /** What {@code ls} and {@code find} ask getdents64 for, which the kernel passes on up to max_pages. */
    private static final int LISTING_BYTES = 32 * 1024;
    private static final int ROOT = 1;
    /** Forgets per BATCH_FORGET, as the kernel sends them after a cache drop (well within the read buffer). */
    private static final int FORGETS_PER_BATCH = 256;
    /** The readahead a kernel offers by default (VM_READAHEAD_PAGES). */
    private static final int OFFERED_READAHEAD = 128 * 1024;

    private final MountOptions options;
    private final RequestHandler handler;
    private final Dispatcher dispatcher;
    private final Arena arena = Arena.ofShared();
    private final Reply reply = new Reply();
    private final ReaderContext context;
    /** The requests come from this process, as a listing by its own user would. */
    private final Caller caller = new Caller(Posix.getuid(), Posix.getgid(), (int) ProcessHandle.current().pid());
    private InitResult init;
    private long unique;
    /** Set once the handler answered OPENDIR with ENOSYS: the kernel opens directories itself from then on. */
    private boolean opensDirectoriesItself;
    private volatile boolean alive = true;

    private ChannelRehearsal(MountOptions options, RequestHandler handler) {
        this.options = options;
        this.handler = handler;
        this.dispatcher = new Dispatcher(handler, new InitNegotiation(options, InitNegotiation.readMaxPagesLimit()),
                this, 1);
        this.context = new ReaderContext(0, -1, options.maxWrite(), reply, arena);
    }

    /** {@link fuse.channel.FuseChannel#rehearse}. */
    public static ChannelRehearsal start(MountOptions options, RequestHandler handler) {
        ChannelRehearsal rehearsal = new ChannelRehearsal(options, handler);
        try {
            rehearsal.negotiate();
        } catch (IOException | RuntimeException e) {
            rehearsal.close();
            throw new IllegalStateException("the rehearsal's INIT failed: " + e.getMessage(), e);
        }
        return rehearsal;
    }

    /**
     * INIT as a kernel of this channel's protocol version offers it: every flag the channel asks for, so that the
     * handler takes the paths it takes on a current kernel (READDIRPLUS with READDIRPLUS_AUTO among them). No
     * mount is needed to know them, so a rehearsal can run while the first mount is still being made.
     */
    private void negotiate() throws IOException {
        long offered = InitNegotiation.WANTED;
        long at = begin(FuseOpcode.INIT, 0);
        MemorySegment in = context.in();
        FuseInitIn.MAJOR.set(in, at, FuseKernel.KERNEL_VERSION);
        FuseInitIn.MINOR.set(in, at, FuseKernel.KERNEL_MINOR_VERSION);
        FuseInitIn.MAX_READAHEAD.set(in, at, OFFERED_READAHEAD);
        FuseInitIn.FLAGS.set(in, at, (int) offered);
        FuseInitIn.FLAGS2.set(in, at, (int) (offered >>> 32));
        send(at + FuseInitIn.BYTES);
        if (init == null) {
            throw new IOException("INIT answered with error " + reply.error());
        }
    }

    @Override
    public synchronized int list(String name) throws IOException {
        List<Long> looked = new ArrayList<>();
        long dir = lookup(name);
        looked.add(dir);
        long fh = opendir(dir);
        int listed = 0;
        try {
            long offset = 0;
            boolean plus = init.has(InitResult.DO_READDIRPLUS);
            while (true) {
                int entries = readdir(dir, fh, offset, plus, looked);
                if (entries == 0) {
                    break;
                }
                listed += entries;
                offset = reply.lastOffset;
                // As the kernel does with READDIRPLUS_AUTO: PLUS for the first batch, plain READDIR after it as
                // long as nobody looks at the entries (a plain `ls`). Without AUTO, PLUS throughout.
                plus = plus && !init.has(InitResult.READDIRPLUS_AUTO);
            }
        } finally {
            releasedir(fh);
            forget(looked);
        }
        return listed;
    }

    private long lookup(String name) throws IOException {
        long at = begin(FuseOpcode.LOOKUP, ROOT);
        long end = at + Utf8.encode(name, context.in(), at);
        context.in().set(ValueLayout.JAVA_BYTE, end, (byte) 0);
        send(end + 1);
        expectSuccess(FuseOpcode.LOOKUP);
        return (long) FuseEntryOut.NODEID.get(reply.message, (long) FuseOutHeader.BYTES);
    }

    /** The directory's handle, or 0 where the kernel opens directories itself. */
    private long opendir(long dir) throws IOException {
        if (opensDirectoriesItself) {
            return 0;
        }
        long at = begin(FuseOpcode.OPENDIR, dir);
        FuseOpenIn.FLAGS.set(context.in(), at, Linux.O_RDONLY | Linux.O_DIRECTORY);
        FuseOpenIn.OPEN_FLAGS.set(context.in(), at, 0);
        send(at + FuseOpenIn.BYTES);
        if (reply.error() == -Errno.ENOSYS.code()) {
            opensDirectoriesItself = true;
            return 0;
        }
        expectSuccess(FuseOpcode.OPENDIR);
        return (long) FuseOpenOut.FH.get(reply.message, (long) FuseOutHeader.BYTES);
    }

    /** One READDIR(PLUS): the entries in its reply; the nodes of PLUS entries go to {@code looked}. */
    private int readdir(long dir, long fh, long offset, boolean plus, List<Long> looked) throws IOException {
        FuseOpcode op = plus ? FuseOpcode.READDIRPLUS : FuseOpcode.READDIR;
        long at = begin(op, dir);
        MemorySegment in = context.in();
        FuseReadIn.FH.set(in, at, fh);
        FuseReadIn.OFFSET.set(in, at, offset);
        FuseReadIn.SIZE.set(in, at, Math.min(LISTING_BYTES, init.maxPages() * KernelPage.SIZE));
        FuseReadIn.READ_FLAGS.set(in, at, 0);
        FuseReadIn.LOCK_OWNER.set(in, at, 0L);
        FuseReadIn.FLAGS.set(in, at, Linux.O_RDONLY | Linux.O_DIRECTORY);
        FuseReadIn.PADDING.set(in, at, 0);
        send(at + FuseReadIn.BYTES);
        expectSuccess(op);
        MemorySegment out = reply.message;
        long end = reply.length;
        long next = FuseOutHeader.BYTES;
        int entries = 0;
        while (next < end) {
            long dirent = next;
            if (plus) {
                long node = (long) FuseEntryOut.NODEID.get(out, next + FuseDirentplus.ENTRY_OUT);
                if (node != 0) {
                    looked.add(node);
                }
                dirent = next + FuseDirentplus.DIRENT;
            }
            int nameLength = (int) FuseDirent.NAMELEN.get(out, dirent);
            reply.lastOffset = (long) FuseDirent.OFF.get(out, dirent);
            next = dirent + DirectoryEncoder.recordSize(FuseDirent.BYTES, nameLength);
            entries++;
        }
        return entries;
    }

    private void releasedir(long fh) throws IOException {
        if (fh == 0 && opensDirectoriesItself) {
            return;
        }
        long at = begin(FuseOpcode.RELEASEDIR, 0);
        MemorySegment in = context.in();
        FuseReleaseIn.FH.set(in, at, fh);
        FuseReleaseIn.FLAGS.set(in, at, Linux.O_RDONLY | Linux.O_DIRECTORY);
        FuseReleaseIn.RELEASE_FLAGS.set(in, at, 0);
        FuseReleaseIn.LOCK_OWNER.set(in, at, 0L);
        send(at + FuseReleaseIn.BYTES);
    }

    /** BATCH_FORGETs of one lookup each of {@code nodes}: the handler takes them back, as after a cache drop. */
    private void forget(List<Long> nodes) {
        for (int from = 0; from < nodes.size(); from += FORGETS_PER_BATCH) {
            int count = Math.min(FORGETS_PER_BATCH, nodes.size() - from);
            long at = begin(FuseOpcode.BATCH_FORGET, 0);
            MemorySegment in = context.in();
            FuseBatchForgetIn.COUNT.set(in, at, count);
            FuseBatchForgetIn.DUMMY.set(in, at, 0);
            at += FuseBatchForgetIn.BYTES;
            for (int i = 0; i < count; i++, at += FuseForgetOne.BYTES) {
                FuseForgetOne.NODEID.set(in, at, (long) nodes.get(from + i));
                FuseForgetOne.NLOOKUP.set(in, at, 1L);
            }
            send(at);
        }
    }

    /** Writes the request header of {@code op} on {@code node}; returns where its arguments start. */
    private long begin(FuseOpcode op, long node) {
        MemorySegment in = context.in();
        FuseInHeader.OPCODE.set(in, 0L, op.code());
        FuseInHeader.UNIQUE.set(in, 0L, unique += 2);
        FuseInHeader.NODEID.set(in, 0L, node);
        FuseInHeader.UID.set(in, 0L, caller.uid());
        FuseInHeader.GID.set(in, 0L, caller.gid());
        FuseInHeader.PID.set(in, 0L, caller.pid());
        FuseInHeader.TOTAL_EXTLEN.set(in, 0L, (short) 0);
        FuseInHeader.PADDING.set(in, 0L, (short) 0);
        return FuseInHeader.BYTES;
    }

    /** Dispatches the request of {@code length} bytes, as a reader thread does after its read. */
    private void send(long length) {
        if (!alive) {
            throw new IllegalStateException("the rehearsal is closed");
        }
        FuseInHeader.LEN.set(context.in(), 0L, (int) length);
        reply.length = 0;
        dispatcher.dispatch(context, length);
    }

    private void expectSuccess(FuseOpcode op) throws IOException {
        if (!alive) {
            throw new IOException("the rehearsal is closed");
        }
        if (reply.length == 0) {
            throw new IOException(op + " got no reply");
        }
        int error = reply.error();
        if (error != 0) {
            throw new IOException(op + " failed: " + Errno.of(-error));
        }
    }

    private record Caller(int uid, int gid, int pid) {
    }

    /** Where the replies go: they stay in the write buffer, read by the request that follows. */
    private static final class Reply implements Transport {
        MemorySegment message;
        long length;
        /** The offset after the last entry of the last directory reply. */
        long lastOffset;

        @Override
        public int write(MemorySegment written, long bytes) {
            message = written;
            length = bytes;
            return 0;
        }

        int error() {
            return (int) FuseOutHeader.ERROR.get(message, 0L);
        }
    }

    // ---- Dispatcher.Listener

    @Override
    public void initialized(InitResult result) {
        init = result;
        handler.initialized(this, result);
    }

    @Override
    public void initAnswered(InitResult result, boolean accepted) {
    }

    @Override
    public void destroyRequested() {
    }

    // ---- FuseSession

    @Override
    public MountOptions options() {
        return options;
    }

    @Override
    public Path mountpoint() {
        return options.mountpoint();
    }

    /** No connection: nothing under /sys/fs/fuse/connections belongs to a rehearsal. */
    @Override
    public long connectionId() {
        return -1;
    }

    @Override
    public Optional<InitResult> init() {
        return Optional.ofNullable(init);
    }

    @Override
    public Optional<InitResult> awaitInit(Duration timeout) {
        return init();
    }

    /** No kernel to register backing files with. */
    @Override
    public BackingFiles backingFiles() {
        return new BackingFiles() {
            @Override
            public int open(int fd) throws BackingException {
                throw BackingException.of(Errno.EPERM, false, "a rehearsal has no kernel to pass files through");
            }

            @Override
            public void close(int backingId) {
            }
        };
    }

    /** Nobody caches anything: every notification is dropped. */
    @Override
    public Notifier notifier() {
        return new Notifier() {
            @Override
            public boolean invalidateInode(long nodeId, long offset, long length) {
                return false;
            }

            @Override
            public boolean invalidateEntry(long parentNodeId, String name) {
                return false;
            }

            @Override
            public boolean delete(long parentNodeId, long childNodeId, String name) {
                return false;
            }

            @Override
            public boolean invalidateAllEntries() {
                return false;
            }
        };
    }

    @Override
    public boolean isAlive() {
        return alive;
    }

    /** Never mounted. */
    @Override
    public boolean isMounted() {
        return false;
    }

    @Override
    public long[] requestsPerThread() {
        return new long[] {unique / 2};
    }

    @Override
    public boolean awaitTermination(Duration timeout) {
        return !alive;
    }

    /** Ends the rehearsal: the handler learns the session ended, and the buffers are freed. Idempotent. */
    @Override
    public synchronized void close() {
        if (!alive) {
            return;
        }
        alive = false;
        try {
            handler.destroyed();
        } finally {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "Rehearsal[" + options.mountpoint() + "]";
    }
}
