package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_forget_one}. */
public final class FuseForgetOne {
    public static final StructLayout LAYOUT = Structs.struct("fuse_forget_one",
            JAVA_LONG.withName("nodeid"),
            JAVA_LONG.withName("nlookup"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle NODEID = Structs.field(LAYOUT, "nodeid");
    public static final VarHandle NLOOKUP = Structs.field(LAYOUT, "nlookup");

    private FuseForgetOne() {
    }
}
