package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_copy_file_range_in}. */
public final class FuseCopyFileRangeIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_copy_file_range_in",
            JAVA_LONG.withName("fhIn"),
            JAVA_LONG.withName("offIn"),
            JAVA_LONG.withName("nodeidOut"),
            JAVA_LONG.withName("fhOut"),
            JAVA_LONG.withName("offOut"),
            JAVA_LONG.withName("len"),
            JAVA_LONG.withName("flags"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle FH_IN = Structs.field(LAYOUT, "fhIn");
    public static final VarHandle OFF_IN = Structs.field(LAYOUT, "offIn");
    public static final VarHandle NODEID_OUT = Structs.field(LAYOUT, "nodeidOut");
    public static final VarHandle FH_OUT = Structs.field(LAYOUT, "fhOut");
    public static final VarHandle OFF_OUT = Structs.field(LAYOUT, "offOut");
    public static final VarHandle LEN = Structs.field(LAYOUT, "len");
    public static final VarHandle FLAGS = Structs.field(LAYOUT, "flags");

    private FuseCopyFileRangeIn() {
    }
}
