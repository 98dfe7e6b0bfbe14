package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * {@code struct fuse_uring_req_header}, the header buffer of one io_uring ring entry: {@code in_out} holds the
 * request's {@code fuse_in_header} (and the reply's {@code fuse_out_header}), {@code op_in} the request's first
 * argument (its per-opcode struct), then {@code struct fuse_uring_ent_in_out}. Every later argument (names, write
 * data) and the whole reply body travel in the entry's separate payload buffer.
 */
public final class FuseUringReqHeader {
    public static final int IN_OUT_BYTES = 128;
    public static final int OP_IN_BYTES = 128;
    public static final StructLayout LAYOUT = Structs.struct("fuse_uring_req_header",
            MemoryLayout.sequenceLayout(IN_OUT_BYTES, JAVA_BYTE).withName("inOut"),
            MemoryLayout.sequenceLayout(OP_IN_BYTES, JAVA_BYTE).withName("opIn"),
            JAVA_LONG.withName("flags"),
            JAVA_LONG.withName("commitId"),
            JAVA_INT.withName("payloadSz"),
            JAVA_INT.withName("padding"),
            JAVA_LONG.withName("reserved"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final long IN_OUT = Structs.offset(LAYOUT, "inOut");
    public static final long OP_IN = Structs.offset(LAYOUT, "opIn");
    /** The kernel's request id, to name in COMMIT_AND_FETCH. */
    public static final VarHandle COMMIT_ID = Structs.field(LAYOUT, "commitId");
    /** Bytes in the payload buffer: the request's later arguments, then the reply's body. */
    public static final VarHandle PAYLOAD_SZ = Structs.field(LAYOUT, "payloadSz");

    private FuseUringReqHeader() {
    }
}
