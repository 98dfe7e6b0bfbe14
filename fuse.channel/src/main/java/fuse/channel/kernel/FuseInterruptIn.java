package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_interrupt_in}. */
public final class FuseInterruptIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_interrupt_in",
            JAVA_LONG.withName("unique"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle UNIQUE = Structs.field(LAYOUT, "unique");

    private FuseInterruptIn() {
    }
}
