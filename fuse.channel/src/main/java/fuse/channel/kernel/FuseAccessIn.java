package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_access_in}. */
public final class FuseAccessIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_access_in",
            JAVA_INT.withName("mask"),
            JAVA_INT.withName("padding"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle MASK = Structs.field(LAYOUT, "mask");
    public static final VarHandle PADDING = Structs.field(LAYOUT, "padding");

    private FuseAccessIn() {
    }
}
