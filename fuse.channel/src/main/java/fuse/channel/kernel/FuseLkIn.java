package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_lk_in}. */
public final class FuseLkIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_lk_in",
            JAVA_LONG.withName("fh"),
            JAVA_LONG.withName("owner"),
            JAVA_LONG.withName("start"),
            JAVA_LONG.withName("end"),
            JAVA_INT.withName("type"),
            JAVA_INT.withName("pid"),
            JAVA_INT.withName("lkFlags"),
            JAVA_INT.withName("padding"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle FH = Structs.field(LAYOUT, "fh");
    public static final VarHandle OWNER = Structs.field(LAYOUT, "owner");
    public static final VarHandle START = Structs.field(LAYOUT, "start");
    public static final VarHandle END = Structs.field(LAYOUT, "end");
    public static final VarHandle TYPE = Structs.field(LAYOUT, "type");
    public static final VarHandle PID = Structs.field(LAYOUT, "pid");
    public static final VarHandle LK_FLAGS = Structs.field(LAYOUT, "lkFlags");
    public static final VarHandle PADDING = Structs.field(LAYOUT, "padding");

    private FuseLkIn() {
    }
}
