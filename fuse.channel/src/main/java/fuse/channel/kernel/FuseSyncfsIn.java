package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_syncfs_in}. */
public final class FuseSyncfsIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_syncfs_in",
            JAVA_LONG.withName("padding"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle PADDING = Structs.field(LAYOUT, "padding");

    private FuseSyncfsIn() {
    }
}
