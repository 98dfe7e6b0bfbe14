package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_batch_forget_in}. */
public final class FuseBatchForgetIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_batch_forget_in",
            JAVA_INT.withName("count"),
            JAVA_INT.withName("dummy"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle COUNT = Structs.field(LAYOUT, "count");
    public static final VarHandle DUMMY = Structs.field(LAYOUT, "dummy");

    private FuseBatchForgetIn() {
    }
}
