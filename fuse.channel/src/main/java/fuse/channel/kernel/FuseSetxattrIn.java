package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_setxattr_in}. */
public final class FuseSetxattrIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_setxattr_in",
            JAVA_INT.withName("size"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("setxattrFlags"),
            JAVA_INT.withName("padding"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle SIZE = Structs.field(LAYOUT, "size");
    public static final VarHandle FLAGS = Structs.field(LAYOUT, "flags");
    public static final VarHandle SETXATTR_FLAGS = Structs.field(LAYOUT, "setxattrFlags");
    public static final VarHandle PADDING = Structs.field(LAYOUT, "padding");

    private FuseSetxattrIn() {
    }
}
