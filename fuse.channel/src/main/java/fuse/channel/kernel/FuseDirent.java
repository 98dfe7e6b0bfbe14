package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_dirent}. */
public final class FuseDirent {
    public static final StructLayout LAYOUT = Structs.struct("fuse_dirent",
            JAVA_LONG.withName("ino"),
            JAVA_LONG.withName("off"),
            JAVA_INT.withName("namelen"),
            JAVA_INT.withName("type"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle INO = Structs.field(LAYOUT, "ino");
    public static final VarHandle OFF = Structs.field(LAYOUT, "off");
    public static final VarHandle NAMELEN = Structs.field(LAYOUT, "namelen");
    public static final VarHandle TYPE = Structs.field(LAYOUT, "type");

    private FuseDirent() {
    }
}
