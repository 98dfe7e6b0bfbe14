package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_link_in}. */
public final class FuseLinkIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_link_in",
            JAVA_LONG.withName("oldnodeid"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle OLDNODEID = Structs.field(LAYOUT, "oldnodeid");

    private FuseLinkIn() {
    }
}
