package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_kstatfs}. */
public final class FuseKstatfs {
    public static final StructLayout LAYOUT = Structs.struct("fuse_kstatfs",
            JAVA_LONG.withName("blocks"),
            JAVA_LONG.withName("bfree"),
            JAVA_LONG.withName("bavail"),
            JAVA_LONG.withName("files"),
            JAVA_LONG.withName("ffree"),
            JAVA_INT.withName("bsize"),
            JAVA_INT.withName("namelen"),
            JAVA_INT.withName("frsize"),
            JAVA_INT.withName("padding"),
            MemoryLayout.paddingLayout(24));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle BLOCKS = Structs.field(LAYOUT, "blocks");
    public static final VarHandle BFREE = Structs.field(LAYOUT, "bfree");
    public static final VarHandle BAVAIL = Structs.field(LAYOUT, "bavail");
    public static final VarHandle FILES = Structs.field(LAYOUT, "files");
    public static final VarHandle FFREE = Structs.field(LAYOUT, "ffree");
    public static final VarHandle BSIZE = Structs.field(LAYOUT, "bsize");
    public static final VarHandle NAMELEN = Structs.field(LAYOUT, "namelen");
    public static final VarHandle FRSIZE = Structs.field(LAYOUT, "frsize");
    public static final VarHandle PADDING = Structs.field(LAYOUT, "padding");

    private FuseKstatfs() {
    }
}
