package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_notify_delete_out}. */
public final class FuseNotifyDeleteOut {
    public static final StructLayout LAYOUT = Structs.struct("fuse_notify_delete_out",
            JAVA_LONG.withName("parent"),
            JAVA_LONG.withName("child"),
            JAVA_INT.withName("namelen"),
            JAVA_INT.withName("padding"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle PARENT = Structs.field(LAYOUT, "parent");
    public static final VarHandle CHILD = Structs.field(LAYOUT, "child");
    public static final VarHandle NAMELEN = Structs.field(LAYOUT, "namelen");
    public static final VarHandle PADDING = Structs.field(LAYOUT, "padding");

    private FuseNotifyDeleteOut() {
    }
}
