package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_entry_out}: LOOKUP, MKNOD, MKDIR, SYMLINK, LINK and the first half of CREATE. */
public final class FuseEntryOut {
    public static final StructLayout LAYOUT = Structs.struct("fuse_entry_out",
            JAVA_LONG.withName("nodeid"),
            JAVA_LONG.withName("generation"),
            JAVA_LONG.withName("entryValid"),
            JAVA_LONG.withName("attrValid"),
            JAVA_INT.withName("entryValidNsec"),
            JAVA_INT.withName("attrValidNsec"),
            FuseAttr.LAYOUT.withName("attr"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle NODEID = Structs.field(LAYOUT, "nodeid");
    public static final VarHandle GENERATION = Structs.field(LAYOUT, "generation");
    public static final VarHandle ENTRY_VALID = Structs.field(LAYOUT, "entryValid");
    public static final VarHandle ATTR_VALID = Structs.field(LAYOUT, "attrValid");
    public static final VarHandle ENTRY_VALID_NSEC = Structs.field(LAYOUT, "entryValidNsec");
    public static final VarHandle ATTR_VALID_NSEC = Structs.field(LAYOUT, "attrValidNsec");
    /** Where the embedded {@link FuseAttr} starts. */
    public static final long ATTR = Structs.offset(LAYOUT, "attr");

    private FuseEntryOut() {
    }
}
