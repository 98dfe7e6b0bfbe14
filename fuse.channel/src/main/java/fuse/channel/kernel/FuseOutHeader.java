package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_out_header}. */
public final class FuseOutHeader {
    public static final StructLayout LAYOUT = Structs.struct("fuse_out_header",
            JAVA_INT.withName("len"),
            JAVA_INT.withName("error"),
            JAVA_LONG.withName("unique"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle LEN = Structs.field(LAYOUT, "len");
    public static final VarHandle ERROR = Structs.field(LAYOUT, "error");
    public static final VarHandle UNIQUE = Structs.field(LAYOUT, "unique");

    private FuseOutHeader() {
    }
}
