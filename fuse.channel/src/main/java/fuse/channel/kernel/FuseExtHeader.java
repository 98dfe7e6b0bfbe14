package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_ext_header}. */
public final class FuseExtHeader {
    public static final StructLayout LAYOUT = Structs.struct("fuse_ext_header",
            JAVA_INT.withName("size"),
            JAVA_INT.withName("type"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle SIZE = Structs.field(LAYOUT, "size");
    public static final VarHandle TYPE = Structs.field(LAYOUT, "type");

    private FuseExtHeader() {
    }
}
