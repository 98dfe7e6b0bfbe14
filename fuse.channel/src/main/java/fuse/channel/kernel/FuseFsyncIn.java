package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_fsync_in}. */
public final class FuseFsyncIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_fsync_in",
            JAVA_LONG.withName("fh"),
            JAVA_INT.withName("fsyncFlags"),
            JAVA_INT.withName("padding"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle FH = Structs.field(LAYOUT, "fh");
    public static final VarHandle FSYNC_FLAGS = Structs.field(LAYOUT, "fsyncFlags");
    public static final VarHandle PADDING = Structs.field(LAYOUT, "padding");

    private FuseFsyncIn() {
    }
}
