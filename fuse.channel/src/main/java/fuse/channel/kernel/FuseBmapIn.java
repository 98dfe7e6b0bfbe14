package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_bmap_in}. */
public final class FuseBmapIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_bmap_in",
            JAVA_LONG.withName("block"),
            JAVA_INT.withName("blocksize"),
            JAVA_INT.withName("padding"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle BLOCK = Structs.field(LAYOUT, "block");
    public static final VarHandle BLOCKSIZE = Structs.field(LAYOUT, "blocksize");
    public static final VarHandle PADDING = Structs.field(LAYOUT, "padding");

    private FuseBmapIn() {
    }
}
