package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_write_in}. */
public final class FuseWriteIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_write_in",
            JAVA_LONG.withName("fh"),
            JAVA_LONG.withName("offset"),
            JAVA_INT.withName("size"),
            JAVA_INT.withName("writeFlags"),
            JAVA_LONG.withName("lockOwner"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("padding"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle FH = Structs.field(LAYOUT, "fh");
    public static final VarHandle OFFSET = Structs.field(LAYOUT, "offset");
    public static final VarHandle SIZE = Structs.field(LAYOUT, "size");
    public static final VarHandle WRITE_FLAGS = Structs.field(LAYOUT, "writeFlags");
    public static final VarHandle LOCK_OWNER = Structs.field(LAYOUT, "lockOwner");
    public static final VarHandle FLAGS = Structs.field(LAYOUT, "flags");
    public static final VarHandle PADDING = Structs.field(LAYOUT, "padding");

    private FuseWriteIn() {
    }
}
