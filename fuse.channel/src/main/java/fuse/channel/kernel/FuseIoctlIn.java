package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_ioctl_in}. */
public final class FuseIoctlIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_ioctl_in",
            JAVA_LONG.withName("fh"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("cmd"),
            JAVA_LONG.withName("arg"),
            JAVA_INT.withName("inSize"),
            JAVA_INT.withName("outSize"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle FH = Structs.field(LAYOUT, "fh");
    public static final VarHandle FLAGS = Structs.field(LAYOUT, "flags");
    public static final VarHandle CMD = Structs.field(LAYOUT, "cmd");
    public static final VarHandle ARG = Structs.field(LAYOUT, "arg");
    public static final VarHandle IN_SIZE = Structs.field(LAYOUT, "inSize");
    public static final VarHandle OUT_SIZE = Structs.field(LAYOUT, "outSize");

    private FuseIoctlIn() {
    }
}
