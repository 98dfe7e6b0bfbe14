package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_statx_in}. */
public final class FuseStatxIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_statx_in",
            JAVA_INT.withName("getattrFlags"),
            JAVA_INT.withName("reserved"),
            JAVA_LONG.withName("fh"),
            JAVA_INT.withName("sxFlags"),
            JAVA_INT.withName("sxMask"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle GETATTR_FLAGS = Structs.field(LAYOUT, "getattrFlags");
    public static final VarHandle RESERVED = Structs.field(LAYOUT, "reserved");
    public static final VarHandle FH = Structs.field(LAYOUT, "fh");
    public static final VarHandle SX_FLAGS = Structs.field(LAYOUT, "sxFlags");
    public static final VarHandle SX_MASK = Structs.field(LAYOUT, "sxMask");

    private FuseStatxIn() {
    }
}
