package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_in_header}. */
public final class FuseInHeader {
    public static final StructLayout LAYOUT = Structs.struct("fuse_in_header",
            JAVA_INT.withName("len"),
            JAVA_INT.withName("opcode"),
            JAVA_LONG.withName("unique"),
            JAVA_LONG.withName("nodeid"),
            JAVA_INT.withName("uid"),
            JAVA_INT.withName("gid"),
            JAVA_INT.withName("pid"),
            JAVA_SHORT.withName("totalExtlen"),
            JAVA_SHORT.withName("padding"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle LEN = Structs.field(LAYOUT, "len");
    public static final VarHandle OPCODE = Structs.field(LAYOUT, "opcode");
    public static final VarHandle UNIQUE = Structs.field(LAYOUT, "unique");
    public static final VarHandle NODEID = Structs.field(LAYOUT, "nodeid");
    public static final VarHandle UID = Structs.field(LAYOUT, "uid");
    public static final VarHandle GID = Structs.field(LAYOUT, "gid");
    public static final VarHandle PID = Structs.field(LAYOUT, "pid");
    public static final VarHandle TOTAL_EXTLEN = Structs.field(LAYOUT, "totalExtlen");
    public static final VarHandle PADDING = Structs.field(LAYOUT, "padding");

    private FuseInHeader() {
    }
}
