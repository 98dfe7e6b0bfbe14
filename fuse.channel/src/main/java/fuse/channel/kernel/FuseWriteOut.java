package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_write_out}. */
public final class FuseWriteOut {
    public static final StructLayout LAYOUT = Structs.struct("fuse_write_out",
            JAVA_INT.withName("size"),
            JAVA_INT.withName("padding"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle SIZE = Structs.field(LAYOUT, "size");
    public static final VarHandle PADDING = Structs.field(LAYOUT, "padding");

    private FuseWriteOut() {
    }
}
