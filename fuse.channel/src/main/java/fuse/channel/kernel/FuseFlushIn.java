package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_flush_in}. */
public final class FuseFlushIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_flush_in",
            JAVA_LONG.withName("fh"),
            JAVA_INT.withName("unused"),
            JAVA_INT.withName("padding"),
            JAVA_LONG.withName("lockOwner"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle FH = Structs.field(LAYOUT, "fh");
    public static final VarHandle UNUSED = Structs.field(LAYOUT, "unused");
    public static final VarHandle PADDING = Structs.field(LAYOUT, "padding");
    public static final VarHandle LOCK_OWNER = Structs.field(LAYOUT, "lockOwner");

    private FuseFlushIn() {
    }
}
