package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_release_in}. */
public final class FuseReleaseIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_release_in",
            JAVA_LONG.withName("fh"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("releaseFlags"),
            JAVA_LONG.withName("lockOwner"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle FH = Structs.field(LAYOUT, "fh");
    public static final VarHandle FLAGS = Structs.field(LAYOUT, "flags");
    public static final VarHandle RELEASE_FLAGS = Structs.field(LAYOUT, "releaseFlags");
    public static final VarHandle LOCK_OWNER = Structs.field(LAYOUT, "lockOwner");

    private FuseReleaseIn() {
    }
}
