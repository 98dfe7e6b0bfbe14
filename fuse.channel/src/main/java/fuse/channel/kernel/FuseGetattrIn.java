package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_getattr_in}. */
public final class FuseGetattrIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_getattr_in",
            JAVA_INT.withName("getattrFlags"),
            JAVA_INT.withName("dummy"),
            JAVA_LONG.withName("fh"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle GETATTR_FLAGS = Structs.field(LAYOUT, "getattrFlags");
    public static final VarHandle DUMMY = Structs.field(LAYOUT, "dummy");
    public static final VarHandle FH = Structs.field(LAYOUT, "fh");

    private FuseGetattrIn() {
    }
}
