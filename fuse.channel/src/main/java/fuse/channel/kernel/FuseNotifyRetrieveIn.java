package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_notify_retrieve_in}. */
public final class FuseNotifyRetrieveIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_notify_retrieve_in",
            JAVA_LONG.withName("dummy1"),
            JAVA_LONG.withName("offset"),
            JAVA_INT.withName("size"),
            JAVA_INT.withName("dummy2"),
            JAVA_LONG.withName("dummy3"),
            JAVA_LONG.withName("dummy4"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle DUMMY1 = Structs.field(LAYOUT, "dummy1");
    public static final VarHandle OFFSET = Structs.field(LAYOUT, "offset");
    public static final VarHandle SIZE = Structs.field(LAYOUT, "size");
    public static final VarHandle DUMMY2 = Structs.field(LAYOUT, "dummy2");
    public static final VarHandle DUMMY3 = Structs.field(LAYOUT, "dummy3");
    public static final VarHandle DUMMY4 = Structs.field(LAYOUT, "dummy4");

    private FuseNotifyRetrieveIn() {
    }
}
