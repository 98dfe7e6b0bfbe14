package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_notify_inval_entry_out}. */
public final class FuseNotifyInvalEntryOut {
    public static final StructLayout LAYOUT = Structs.struct("fuse_notify_inval_entry_out",
            JAVA_LONG.withName("parent"),
            JAVA_INT.withName("namelen"),
            JAVA_INT.withName("flags"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle PARENT = Structs.field(LAYOUT, "parent");
    public static final VarHandle NAMELEN = Structs.field(LAYOUT, "namelen");
    public static final VarHandle FLAGS = Structs.field(LAYOUT, "flags");

    private FuseNotifyInvalEntryOut() {
    }
}
