package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_backing_map}. */
public final class FuseBackingMap {
    public static final StructLayout LAYOUT = Structs.struct("fuse_backing_map",
            JAVA_INT.withName("fd"),
            JAVA_INT.withName("flags"),
            JAVA_LONG.withName("padding"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle FD = Structs.field(LAYOUT, "fd");
    public static final VarHandle FLAGS = Structs.field(LAYOUT, "flags");
    public static final VarHandle PADDING = Structs.field(LAYOUT, "padding");

    private FuseBackingMap() {
    }
}
