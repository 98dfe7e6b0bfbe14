package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_init_in}. */
public final class FuseInitIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_init_in",
            JAVA_INT.withName("major"),
            JAVA_INT.withName("minor"),
            JAVA_INT.withName("maxReadahead"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("flags2"),
            MemoryLayout.paddingLayout(44));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle MAJOR = Structs.field(LAYOUT, "major");
    public static final VarHandle MINOR = Structs.field(LAYOUT, "minor");
    public static final VarHandle MAX_READAHEAD = Structs.field(LAYOUT, "maxReadahead");
    public static final VarHandle FLAGS = Structs.field(LAYOUT, "flags");
    public static final VarHandle FLAGS2 = Structs.field(LAYOUT, "flags2");

    private FuseInitIn() {
    }
}
