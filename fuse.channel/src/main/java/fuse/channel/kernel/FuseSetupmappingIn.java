package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_setupmapping_in}. */
public final class FuseSetupmappingIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_setupmapping_in",
            JAVA_LONG.withName("fh"),
            JAVA_LONG.withName("foffset"),
            JAVA_LONG.withName("len"),
            JAVA_LONG.withName("flags"),
            JAVA_LONG.withName("moffset"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle FH = Structs.field(LAYOUT, "fh");
    public static final VarHandle FOFFSET = Structs.field(LAYOUT, "foffset");
    public static final VarHandle LEN = Structs.field(LAYOUT, "len");
    public static final VarHandle FLAGS = Structs.field(LAYOUT, "flags");
    public static final VarHandle MOFFSET = Structs.field(LAYOUT, "moffset");

    private FuseSetupmappingIn() {
    }
}
