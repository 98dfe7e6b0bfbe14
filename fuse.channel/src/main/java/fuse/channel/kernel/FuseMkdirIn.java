package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_mkdir_in}. */
public final class FuseMkdirIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_mkdir_in",
            JAVA_INT.withName("mode"),
            JAVA_INT.withName("umask"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle MODE = Structs.field(LAYOUT, "mode");
    public static final VarHandle UMASK = Structs.field(LAYOUT, "umask");

    private FuseMkdirIn() {
    }
}
