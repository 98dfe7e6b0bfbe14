package fuse.channel.internal;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import fuse.channel.InitResult;
import fuse.channel.MountOptions;
import fuse.channel.RequestHandler;

/**
 * The kernel's side of the wire for unit tests: builds request bytes into a reader's buffer, runs the dispatcher
 * on them, and captures what would have been written to /dev/fuse.
 */
final class Wire implements AutoCloseable {
    static final int MAX_WRITE = 64 * 1024;

    /** A captured message: the out header and its payload. */
    record Out(int length, int error, long unique, ByteBuffer payload) {
    }

    /** Stands in for the /dev/fuse descriptor. */
    static final class Capture implements Transport {
        final List<Out> messages = new ArrayList<>();
        int errno;

        @Override
        public int write(MemorySegment message, long length) {
            ByteBuffer bytes = ByteBuffer.wrap(message.asSlice(0, length).toArray(JAVA_BYTE))
                    .order(ByteOrder.LITTLE_ENDIAN);
            messages.add(new Out(bytes.getInt(0), bytes.getInt(4), bytes.getLong(8),
                    bytes.position(16).slice().order(ByteOrder.LITTLE_ENDIAN)));
            return errno;
        }
    }

    /** Records what the protocol tells the session. */
    static final class Events implements Dispatcher.Listener {
        final List<InitResult> initialized = new ArrayList<>();
        final List<Boolean> answered = new ArrayList<>();
        int destroys;

        @Override
        public void initialized(InitResult init) {
            initialized.add(init);
        }

        @Override
        public void initAnswered(InitResult init, boolean accepted) {
            answered.add(accepted);
        }

        @Override
        public void destroyRequested() {
            destroys++;
        }
    }

    final Capture capture = new Capture();
    final Events events = new Events();
    final Dispatcher dispatcher;
    private final Arena arena = Arena.ofShared();
    final ReaderContext[] readers;

    Wire(RequestHandler handler, MountOptions options) {
        dispatcher = new Dispatcher(handler, new InitNegotiation(options, 256), events, 2);
        readers = new ReaderContext[] {new ReaderContext(0, -1, MAX_WRITE, capture, arena),
                new ReaderContext(1, -1, MAX_WRITE, capture, arena)};
    }

    /** Sends a request through reader 0; {@code args} as for {@link #bytes}. */
    void send(int opcode, long unique, long nodeId, Object... args) {
        sendOn(0, opcode, unique, nodeId, 0, args);
    }

    /** Sends on reader {@code reader} with {@code extlen} 8-byte units of extensions counted in the header. */
    void sendOn(int reader, int opcode, long unique, long nodeId, int extlen, Object... args) {
        byte[] body = bytes(args);
        raw(reader, header(40 + body.length, opcode, unique, nodeId, extlen), body);
    }

    /** Writes {@code parts} back to back into reader {@code reader}'s buffer and dispatches that many bytes. */
    void raw(int reader, byte[]... parts) {
        MemorySegment in = readers[reader].in();
        long at = 0;
        for (byte[] part : parts) {
            MemorySegment.copy(part, 0, in, JAVA_BYTE, at, part.length);
            at += part.length;
        }
        dispatcher.dispatch(readers[reader], at);
    }

    static byte[] header(int length, int opcode, long unique, long nodeId, int extlen) {
        return ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN).putInt(length).putInt(opcode).putLong(unique)
                .putLong(nodeId).putInt(0).putInt(0).putInt(4242).putShort((short) extlen).putShort((short) 0)
                .array();
    }

    /** Little-endian bytes: Integer 4, Long 8, Short 2, String as NUL-terminated UTF-8, byte[] as is. */
    static byte[] bytes(Object... values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object value : values) {
            switch (value) {
                case Integer i -> out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(i)
                        .array());
                case Long l -> out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(l)
                        .array());
                case Short s -> out.writeBytes(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort(s)
                        .array());
                case String s -> {
                    out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
                    out.write(0);
                }
                case byte[] b -> out.writeBytes(b);
                default -> throw new IllegalArgumentException(value.toString());
            }
        }
        return out.toByteArray();
    }

    Out last() {
        return capture.messages.getLast();
    }

    /** The full 64-byte INIT of a 7.45 kernel offering {@code flags}. */
    void init(long flags) {
        send(26, 2, 0, 7, 45, 131072, (int) flags, (int) (flags >>> 32), new byte[44]);
    }

    @Override
    public void close() {
        arena.close();
    }
}
