package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_attr_out}: the GETATTR/SETATTR reply. */
public final class FuseAttrOut {
    public static final StructLayout LAYOUT = Structs.struct("fuse_attr_out",
            JAVA_LONG.withName("attrValid"),
            JAVA_INT.withName("attrValidNsec"),
            JAVA_INT.withName("dummy"),
            FuseAttr.LAYOUT.withName("attr"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle ATTR_VALID = Structs.field(LAYOUT, "attrValid");
    public static final VarHandle ATTR_VALID_NSEC = Structs.field(LAYOUT, "attrValidNsec");
    public static final VarHandle DUMMY = Structs.field(LAYOUT, "dummy");
    /** Where the embedded {@link FuseAttr} starts. */
    public static final long ATTR = Structs.offset(LAYOUT, "attr");

    private FuseAttrOut() {
    }
}
