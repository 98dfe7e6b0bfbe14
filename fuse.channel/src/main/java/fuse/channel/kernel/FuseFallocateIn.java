package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_fallocate_in}. */
public final class FuseFallocateIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_fallocate_in",
            JAVA_LONG.withName("fh"),
            JAVA_LONG.withName("offset"),
            JAVA_LONG.withName("length"),
            JAVA_INT.withName("mode"),
            JAVA_INT.withName("padding"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle FH = Structs.field(LAYOUT, "fh");
    public static final VarHandle OFFSET = Structs.field(LAYOUT, "offset");
    public static final VarHandle LENGTH = Structs.field(LAYOUT, "length");
    public static final VarHandle MODE = Structs.field(LAYOUT, "mode");
    public static final VarHandle PADDING = Structs.field(LAYOUT, "padding");

    private FuseFallocateIn() {
    }
}
