package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_init_out}. */
public final class FuseInitOut {
    public static final StructLayout LAYOUT = Structs.struct("fuse_init_out",
            JAVA_INT.withName("major"),
            JAVA_INT.withName("minor"),
            JAVA_INT.withName("maxReadahead"),
            JAVA_INT.withName("flags"),
            JAVA_SHORT.withName("maxBackground"),
            JAVA_SHORT.withName("congestionThreshold"),
            JAVA_INT.withName("maxWrite"),
            JAVA_INT.withName("timeGran"),
            JAVA_SHORT.withName("maxPages"),
            JAVA_SHORT.withName("mapAlignment"),
            JAVA_INT.withName("flags2"),
            JAVA_INT.withName("maxStackDepth"),
            JAVA_SHORT.withName("requestTimeout"),
            MemoryLayout.paddingLayout(22));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle MAJOR = Structs.field(LAYOUT, "major");
    public static final VarHandle MINOR = Structs.field(LAYOUT, "minor");
    public static final VarHandle MAX_READAHEAD = Structs.field(LAYOUT, "maxReadahead");
    public static final VarHandle FLAGS = Structs.field(LAYOUT, "flags");
    public static final VarHandle MAX_BACKGROUND = Structs.field(LAYOUT, "maxBackground");
    public static final VarHandle CONGESTION_THRESHOLD = Structs.field(LAYOUT, "congestionThreshold");
    public static final VarHandle MAX_WRITE = Structs.field(LAYOUT, "maxWrite");
    public static final VarHandle TIME_GRAN = Structs.field(LAYOUT, "timeGran");
    public static final VarHandle MAX_PAGES = Structs.field(LAYOUT, "maxPages");
    public static final VarHandle MAP_ALIGNMENT = Structs.field(LAYOUT, "mapAlignment");
    public static final VarHandle FLAGS2 = Structs.field(LAYOUT, "flags2");
    public static final VarHandle MAX_STACK_DEPTH = Structs.field(LAYOUT, "maxStackDepth");
    public static final VarHandle REQUEST_TIMEOUT = Structs.field(LAYOUT, "requestTimeout");

    private FuseInitOut() {
    }
}
