package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_removemapping_in}. */
public final class FuseRemovemappingIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_removemapping_in",
            JAVA_INT.withName("count"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle COUNT = Structs.field(LAYOUT, "count");

    private FuseRemovemappingIn() {
    }
}
