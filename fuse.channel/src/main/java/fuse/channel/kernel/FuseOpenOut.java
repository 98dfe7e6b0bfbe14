package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_open_out}. */
public final class FuseOpenOut {
    public static final StructLayout LAYOUT = Structs.struct("fuse_open_out",
            JAVA_LONG.withName("fh"),
            JAVA_INT.withName("openFlags"),
            JAVA_INT.withName("backingId"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle FH = Structs.field(LAYOUT, "fh");
    public static final VarHandle OPEN_FLAGS = Structs.field(LAYOUT, "openFlags");
    public static final VarHandle BACKING_ID = Structs.field(LAYOUT, "backingId");

    private FuseOpenOut() {
    }
}
