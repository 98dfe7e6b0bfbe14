package fuse.channel.internal;

import static fuse.posix.Linux.O_RDWR;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

import fuse.channel.InitResult;
import fuse.channel.kernel.FuseCreateIn;
import fuse.channel.kernel.FuseForgetIn;
import fuse.channel.kernel.FuseGetattrIn;
import fuse.channel.kernel.FuseInHeader;
import fuse.channel.kernel.FuseInitIn;
import fuse.channel.kernel.FuseKernel;
import fuse.channel.kernel.FuseLkIn;
import fuse.channel.kernel.FuseOpcode;
import fuse.channel.kernel.FuseOpenIn;
import fuse.channel.kernel.FuseReadIn;
import fuse.channel.kernel.FuseReleaseIn;
import fuse.channel.kernel.FuseWriteIn;

/** Writes requests into a reader buffer byte for byte as the kernel would, using the channel's own layouts. */
final class WireRequests {
    static final long NODE = 2;
    private static final long ARGS = FuseInHeader.BYTES;
    private static final String NAME = "Makefile.in";
    private static final int DATA = 4096;

    private WireRequests() {
    }

    /** INIT as a 6.18 kernel sends it, offering everything the channel asks for plus passthrough. */
    static long init(MemorySegment in) {
        long offered = InitNegotiation.WANTED | InitResult.PASSTHROUGH;
        FuseInitIn.MAJOR.set(in, ARGS, FuseKernel.KERNEL_VERSION);
        FuseInitIn.MINOR.set(in, ARGS, FuseKernel.KERNEL_MINOR_VERSION);
        FuseInitIn.MAX_READAHEAD.set(in, ARGS, 128 * 1024);
        FuseInitIn.FLAGS.set(in, ARGS, (int) offered);
        FuseInitIn.FLAGS2.set(in, ARGS, (int) (offered >>> 32));
        return header(in, FuseOpcode.INIT, 1, FuseInitIn.BYTES);
    }

    /** The request of {@code kind} at the start of {@code in}; returns its length. */
    static long write(ChannelFixture.Kind kind, MemorySegment in) {
        in.asSlice(0, ARGS + 1024).fill((byte) 0);
        return switch (kind) {
            case GETATTR -> header(in, FuseOpcode.GETATTR, NODE, FuseGetattrIn.BYTES);
            case LOOKUP -> header(in, FuseOpcode.LOOKUP, FuseKernel.ROOT_ID, name(in, ARGS));
            case OPEN -> {
                FuseOpenIn.FLAGS.set(in, ARGS, O_RDWR);
                yield header(in, FuseOpcode.OPEN, NODE, FuseOpenIn.BYTES);
            }
            case READ_4K -> {
                FuseReadIn.FH.set(in, ARGS, 7L);
                FuseReadIn.SIZE.set(in, ARGS, DATA);
                yield header(in, FuseOpcode.READ, NODE, FuseReadIn.BYTES);
            }
            case WRITE_4K -> {
                FuseWriteIn.FH.set(in, ARGS, 7L);
                FuseWriteIn.SIZE.set(in, ARGS, DATA);
                in.asSlice(ARGS + FuseWriteIn.BYTES, DATA).fill((byte) 'x');
                yield header(in, FuseOpcode.WRITE, NODE, FuseWriteIn.BYTES + DATA);
            }
            case CREATE -> {
                FuseCreateIn.FLAGS.set(in, ARGS, O_RDWR);
                FuseCreateIn.MODE.set(in, ARGS, 0100644);
                FuseCreateIn.UMASK.set(in, ARGS, 022);
                yield header(in, FuseOpcode.CREATE, FuseKernel.ROOT_ID,
                        FuseCreateIn.BYTES + name(in, ARGS + FuseCreateIn.BYTES));
            }
            case RELEASE -> {
                FuseReleaseIn.FH.set(in, ARGS, 7L);
                yield header(in, FuseOpcode.RELEASE, NODE, FuseReleaseIn.BYTES);
            }
            case FORGET -> {
                FuseForgetIn.NLOOKUP.set(in, ARGS, 1L);
                yield header(in, FuseOpcode.FORGET, NODE, FuseForgetIn.BYTES);
            }
            case ENOSYS -> header(in, FuseOpcode.GETLK, NODE, FuseLkIn.BYTES);
        };
    }

    private static int name(MemorySegment in, long at) {
        byte[] bytes = NAME.getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, in, at, bytes.length);
        in.set(ValueLayout.JAVA_BYTE, at + bytes.length, (byte) 0);
        return bytes.length + 1;
    }

    private static long header(MemorySegment in, FuseOpcode op, long node, int argBytes) {
        long length = ARGS + argBytes;
        FuseInHeader.LEN.set(in, 0L, (int) length);
        FuseInHeader.OPCODE.set(in, 0L, op.code());
        FuseInHeader.UNIQUE.set(in, 0L, 2L);
        FuseInHeader.NODEID.set(in, 0L, node);
        FuseInHeader.UID.set(in, 0L, 1000);
        FuseInHeader.GID.set(in, 0L, 1000);
        FuseInHeader.PID.set(in, 0L, 4242);
        FuseInHeader.TOTAL_EXTLEN.set(in, 0L, (short) 0);
        return length;
    }
}
