package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_create_in}. */
public final class FuseCreateIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_create_in",
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("mode"),
            JAVA_INT.withName("umask"),
            JAVA_INT.withName("openFlags"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle FLAGS = Structs.field(LAYOUT, "flags");
    public static final VarHandle MODE = Structs.field(LAYOUT, "mode");
    public static final VarHandle UMASK = Structs.field(LAYOUT, "umask");
    public static final VarHandle OPEN_FLAGS = Structs.field(LAYOUT, "openFlags");

    private FuseCreateIn() {
    }
}
