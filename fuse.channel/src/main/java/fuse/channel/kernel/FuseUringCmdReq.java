package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * {@code struct fuse_uring_cmd_req}: the command data of a FUSE {@code IORING_OP_URING_CMD} SQE, in the SQE's
 * own command area (which needs IORING_SETUP_SQE128).
 */
public final class FuseUringCmdReq {
    /** {@code FUSE_IO_URING_CMD_REGISTER}: hand a ring entry (header and payload buffers) to a queue. */
    public static final int CMD_REGISTER = 1;
    /** {@code FUSE_IO_URING_CMD_COMMIT_AND_FETCH}: answer the entry's request and wait for its next one. */
    public static final int CMD_COMMIT_AND_FETCH = 2;

    public static final StructLayout LAYOUT = Structs.struct("fuse_uring_cmd_req",
            JAVA_LONG.withName("flags"),
            JAVA_LONG.withName("commitId"),
            JAVA_SHORT.withName("qid"),
            MemoryLayout.sequenceLayout(6, JAVA_BYTE).withName("padding"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle COMMIT_ID = Structs.field(LAYOUT, "commitId");
    public static final VarHandle QID = Structs.field(LAYOUT, "qid");

    private FuseUringCmdReq() {
    }
}
