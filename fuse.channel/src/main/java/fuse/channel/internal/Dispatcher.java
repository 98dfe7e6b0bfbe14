package fuse.channel.internal;

import java.lang.foreign.MemorySegment;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.Errno;
import fuse.channel.InitResult;
import fuse.channel.Request;
import fuse.channel.RequestHandler;
import fuse.channel.kernel.FuseInHeader;
import fuse.channel.kernel.FuseInitIn;
import fuse.channel.kernel.FuseInitOut;
import fuse.channel.kernel.FuseInterruptIn;
import fuse.channel.kernel.FuseKernel;
import fuse.channel.kernel.FuseOpcode;

/**
 * One session's protocol: validates each request against the opcode table, answers what the channel owns
 * (INIT, INTERRUPT, DESTROY, the ENOSYS opcodes, malformed and unknown requests), and passes the rest to the
 * handler with the guarantee of exactly one reply. Shared by the session's reader threads; never throws.
 */
final class Dispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    /** What the session learns from the protocol. */
    interface Listener {
        /** INIT negotiated; called before the INIT reply, so before any other request can arrive. */
        void initialized(InitResult init);

        /** The INIT reply was written: the kernel now applies {@code init} (passthrough, max_write…). */
        void initAnswered(InitResult init, boolean accepted);

        /** The kernel sent DESTROY: no request follows. */
        void destroyRequested();
    }

    private final RequestHandler handler;
    private final InitNegotiation negotiation;
    private final Listener listener;
    private final Interrupts interrupts;
    private final Set<Integer> reportedOpcodes = ConcurrentHashMap.newKeySet();
    private volatile InitResult init;
    private volatile boolean setxattrExt;

    Dispatcher(RequestHandler handler, InitNegotiation negotiation, Listener listener, int threads) {
        this.handler = handler;
        this.negotiation = negotiation;
        this.listener = listener;
        this.interrupts = new Interrupts(threads);
    }

    InitResult init() {
        return init;
    }

    /** Handles the {@code length} bytes just read into {@code ctx.in()}. */
    void dispatch(ReaderContext ctx, long length) {
        MemorySegment in = ctx.in();
        KernelReply reply = ctx.reply();
        if (length < FuseInHeader.BYTES) {
            LOG.warn("dropped a {}-byte read from /dev/fuse: shorter than fuse_in_header", length);
            return;
        }
        long declared = Integer.toUnsignedLong((int) FuseInHeader.LEN.get(in, 0L));
        int code = (int) FuseInHeader.OPCODE.get(in, 0L);
        long unique = (long) FuseInHeader.UNIQUE.get(in, 0L);
        FuseOpcode op = FuseOpcode.of(code);
        if (op == null) {
            if (reportedOpcodes.add(code)) {
                LOG.info("unknown FUSE opcode {}: answered ENOSYS (reported once)", code);
            }
            channelReply(reply, unique, null, -Errno.ENOSYS.code(), 0);
            return;
        }
        long extensions = Short.toUnsignedLong((short) FuseInHeader.TOTAL_EXTLEN.get(in, 0L))
                * FuseKernel.EXTLEN_UNIT;
        long argsEnd = length - extensions;
        if (declared != length || argsEnd < FuseInHeader.BYTES + op.argSize(setxattrExt)) {
            LOG.warn("malformed {} request {}: read {} bytes, header says {}, extensions {}, arguments need {}: {}",
                    op, unique, length, declared, extensions, op.argSize(setxattrExt),
                    op.noReply() ? "dropped" : "answered EIO");
            channelReply(reply, unique, op, -Errno.EIO.code(), 0);
            return;
        }
        switch (op.reply()) {
            case CHANNEL -> channel(ctx, op, unique, argsEnd);
            case UNSUPPORTED -> {
                if (reportedOpcodes.add(code)) {
                    LOG.debug("{} is not supported: answered ENOSYS", op);
                }
                channelReply(reply, unique, op, -Errno.ENOSYS.code(), 0);
            }
            default -> handle(ctx, op, unique, argsEnd);
        }
    }

    private void handle(ReaderContext ctx, FuseOpcode op, long unique, long argsEnd) {
        MemorySegment in = ctx.in();
        KernelReply reply = ctx.reply();
        InFlight header = new InFlight(unique, op.code(), (long) FuseInHeader.NODEID.get(in, 0L),
                (int) FuseInHeader.UID.get(in, 0L), (int) FuseInHeader.GID.get(in, 0L),
                (int) FuseInHeader.PID.get(in, 0L));
        Request request;
        try {
            request = RequestDecoder.decode(op, header, in, argsEnd, setxattrExt);
        } catch (MalformedRequest e) {
            LOG.warn("malformed {} request {}: {}: {}", op, unique, e.getMessage(),
                    op.noReply() ? "dropped" : "answered EIO");
            channelReply(reply, unique, op, -Errno.EIO.code(), 0);
            return;
        }
        reply.begin(unique, op, limit(request));
        interrupts.begin(ctx.index(), header);
        try {
            handler.handle(request, reply);
        } catch (Throwable t) {
            if (reply.sent()) {
                LOG.warn("the handler threw after answering {}", header, t);
            } else {
                LOG.warn("the handler threw on {}: answering EIO", header, t);
            }
        } finally {
            interrupts.end(ctx.index());
            if (!op.noReply() && !reply.sent()) {
                LOG.warn("no reply to {} {}: answering EIO", op, header);
                reply.sendRaw(-Errno.EIO.code(), 0);
            }
            reply.end();
        }
    }

    /** The size the kernel asked for, which bounds a data or directory reply. */
    private static int limit(Request request) {
        return switch (request) {
            case Request.Read r -> r.size();
            case Request.ReadDir r -> r.size();
            case Request.GetXattr r -> r.size();
            case Request.ListXattr r -> r.size();
            default -> -1;
        };
    }

    private void channel(ReaderContext ctx, FuseOpcode op, long unique, long argsEnd) {
        MemorySegment in = ctx.in();
        KernelReply reply = ctx.reply();
        switch (op) {
            case INIT -> init(reply, unique, in, argsEnd);
            case INTERRUPT -> {
                long target = (long) FuseInterruptIn.UNIQUE.get(in, (long) FuseInHeader.BYTES);
                if (!interrupts.interrupt(target)) {
                    // libfuse's answer for a request it does not know (yet): the kernel requeues the INTERRUPT if
                    // the request is still pending on this descriptor, and drops it otherwise (ENOENT).
                    channelReply(reply, unique, op, -Errno.EAGAIN.code(), 0);
                }
            }
            case DESTROY -> {
                listener.destroyRequested();
                channelReply(reply, unique, op, 0, 0);
            }
            default -> LOG.debug("ignored {} request {}", op, unique);
        }
    }

    private void init(KernelReply reply, long unique, MemorySegment in, long argsEnd) {
        long at = FuseInHeader.BYTES;
        int major = (int) FuseInitIn.MAJOR.get(in, at);
        int minor = (int) FuseInitIn.MINOR.get(in, at);
        int readahead = (int) FuseInitIn.MAX_READAHEAD.get(in, at);
        long flags = Integer.toUnsignedLong((int) FuseInitIn.FLAGS.get(in, at));
        if ((flags & InitResult.INIT_EXT) != 0 && argsEnd >= at + FuseInitIn.BYTES) {
            flags |= Integer.toUnsignedLong((int) FuseInitIn.FLAGS2.get(in, at)) << 32;
        }
        if (major > FuseKernel.KERNEL_VERSION) {
            LOG.info("the kernel offers FUSE {}.{}: answering with {}.{}", major, minor, FuseKernel.KERNEL_VERSION,
                    FuseKernel.KERNEL_MINOR_VERSION);
            InitNegotiation.encodeVersionOnly(reply.payload(), KernelReply.PAYLOAD);
            channelReply(reply, unique, FuseOpcode.INIT, 0, FuseInitOut.BYTES);
            return;
        }
        InitResult result;
        try {
            result = negotiation.negotiate(major, minor, readahead, flags);
        } catch (IllegalArgumentException e) {
            LOG.error("cannot serve this kernel: {}", e.getMessage());
            channelReply(reply, unique, FuseOpcode.INIT, -Errno.EPROTONOSUPPORT.code(), 0);
            return;
        }
        setxattrExt = result.has(InitResult.SETXATTR_EXT);
        init = result;
        try {
            listener.initialized(result);
        } catch (RuntimeException e) {
            LOG.warn("INIT listener failed; the session goes on", e);
        }
        InitNegotiation.encode(reply.payload(), KernelReply.PAYLOAD, result);
        boolean accepted = channelReply(reply, unique, FuseOpcode.INIT, 0, FuseInitOut.BYTES);
        listener.initAnswered(result, accepted);
    }

    /** A reply by the channel itself; none for the opcodes that take no reply. */
    private static boolean channelReply(KernelReply reply, long unique, FuseOpcode op, int error,
            int payloadLength) {
        if (op != null && op.noReply()) {
            return false;
        }
        reply.begin(unique, op, -1);
        try {
            return reply.sendRaw(error, payloadLength);
        } finally {
            reply.end();
        }
    }
}
