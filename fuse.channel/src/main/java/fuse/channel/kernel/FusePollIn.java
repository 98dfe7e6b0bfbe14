package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_poll_in}. */
public final class FusePollIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_poll_in",
            JAVA_LONG.withName("fh"),
            JAVA_LONG.withName("kh"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("events"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle FH = Structs.field(LAYOUT, "fh");
    public static final VarHandle KH = Structs.field(LAYOUT, "kh");
    public static final VarHandle FLAGS = Structs.field(LAYOUT, "flags");
    public static final VarHandle EVENTS = Structs.field(LAYOUT, "events");

    private FusePollIn() {
    }
}
