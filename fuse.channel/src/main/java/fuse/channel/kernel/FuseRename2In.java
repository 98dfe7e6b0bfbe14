package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_rename2_in}. */
public final class FuseRename2In {
    public static final StructLayout LAYOUT = Structs.struct("fuse_rename2_in",
            JAVA_LONG.withName("newdir"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("padding"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle NEWDIR = Structs.field(LAYOUT, "newdir");
    public static final VarHandle FLAGS = Structs.field(LAYOUT, "flags");
    public static final VarHandle PADDING = Structs.field(LAYOUT, "padding");

    private FuseRename2In() {
    }
}
