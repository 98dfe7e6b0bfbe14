package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_open_in}. */
public final class FuseOpenIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_open_in",
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("openFlags"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle FLAGS = Structs.field(LAYOUT, "flags");
    public static final VarHandle OPEN_FLAGS = Structs.field(LAYOUT, "openFlags");

    private FuseOpenIn() {
    }
}
