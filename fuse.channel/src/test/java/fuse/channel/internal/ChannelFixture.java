package fuse.channel.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import fuse.channel.InitResult;
import fuse.channel.MountOptions;
import fuse.channel.kernel.FuseInHeader;
import fuse.channel.kernel.FuseOpcode;
import fuse.channel.kernel.FuseOutHeader;
import fuse.channel.kernel.ReplyKind;

/**
 * One reader thread's half of a session, without the kernel: its buffers, a dispatcher that has negotiated INIT,
 * a handler that answers at once, and a transport that counts replies instead of writing them to /dev/fuse. The
 * request of the chosen kind sits in the read buffer, ready to be dispatched again and again.
 */
final class ChannelFixture implements AutoCloseable {
    /** The kinds of request the benchmarks build: fixed arguments, a name, a data payload, a data reply. */
    enum Kind { GETATTR, LOOKUP, OPEN, READ_4K, WRITE_4K, CREATE, RELEASE, FORGET, ENOSYS }

    private final Arena arena = Arena.ofConfined();
    final CountingTransport transport = new CountingTransport();
    final ReaderContext context;
    final Dispatcher dispatcher;
    final long length;
    final FuseOpcode opcode;
    final InFlight header;

    ChannelFixture(Kind kind) {
        MountOptions options = MountOptions.defaults(Path.of("/benchmark"), "bench");
        context = new ReaderContext(0, -1, options.maxWrite(), transport, arena);
        dispatcher = new Dispatcher(new ImmediateHandler(),
                new InitNegotiation(options, InitNegotiation.DEFAULT_MAX_PAGES_LIMIT), new IgnoringListener(), 1);
        MemorySegment in = context.in();
        dispatcher.dispatch(context, WireRequests.init(in));
        if (dispatcher.init() == null || transport.lastError != 0) {
            throw new IllegalStateException("INIT was not accepted: error " + transport.lastError);
        }
        length = WireRequests.write(kind, in);
        opcode = FuseOpcode.of((int) FuseInHeader.OPCODE.get(in, 0L));
        header = new InFlight(2, opcode.code(), (long) FuseInHeader.NODEID.get(in, 0L), 1000, 1000, 4242);
        checkAnsweredAsIntended(kind);
    }

    /** A request that ends in an unintended error reply would measure the wrong path: fail the trial instead. */
    private void checkAnsweredAsIntended(Kind kind) {
        long before = transport.replies;
        dispatcher.dispatch(context, length);
        boolean expectsReply = !opcode.noReply();
        boolean expectsSuccess = opcode.reply() != ReplyKind.UNSUPPORTED;
        if (transport.replies != before + (expectsReply ? 1 : 0)
                || expectsReply && (transport.lastError == 0) != expectsSuccess) {
            throw new IllegalStateException(kind + " was not answered as intended: error " + transport.lastError
                    + ", replies " + (transport.replies - before));
        }
    }

    @Override
    public void close() {
        arena.close();
    }

    /** Swallows replies, remembering just enough to check them and to keep the JIT from dropping the work. */
    static final class CountingTransport implements Transport {
        long replies;
        long bytes;
        int lastError;

        @Override
        public int write(MemorySegment message, long length) {
            replies++;
            bytes += length;
            lastError = (int) FuseOutHeader.ERROR.get(message, 0L);
            return 0;
        }
    }

    private static final class IgnoringListener implements Dispatcher.Listener {
        @Override
        public void initialized(InitResult init) {
        }

        @Override
        public void initAnswered(InitResult init, boolean accepted) {
        }

        @Override
        public void destroyRequested() {
        }
    }
}
