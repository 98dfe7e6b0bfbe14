package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_mknod_in}. */
public final class FuseMknodIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_mknod_in",
            JAVA_INT.withName("mode"),
            JAVA_INT.withName("rdev"),
            JAVA_INT.withName("umask"),
            JAVA_INT.withName("padding"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle MODE = Structs.field(LAYOUT, "mode");
    public static final VarHandle RDEV = Structs.field(LAYOUT, "rdev");
    public static final VarHandle UMASK = Structs.field(LAYOUT, "umask");
    public static final VarHandle PADDING = Structs.field(LAYOUT, "padding");

    private FuseMknodIn() {
    }
}
