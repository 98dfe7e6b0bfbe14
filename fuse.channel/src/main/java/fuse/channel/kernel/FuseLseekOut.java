package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_lseek_out}. */
public final class FuseLseekOut {
    public static final StructLayout LAYOUT = Structs.struct("fuse_lseek_out",
            JAVA_LONG.withName("offset"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle OFFSET = Structs.field(LAYOUT, "offset");

    private FuseLseekOut() {
    }
}
