package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_attr}. */
public final class FuseAttr {
    public static final StructLayout LAYOUT = Structs.struct("fuse_attr",
            JAVA_LONG.withName("ino"),
            JAVA_LONG.withName("size"),
            JAVA_LONG.withName("blocks"),
            JAVA_LONG.withName("atime"),
            JAVA_LONG.withName("mtime"),
            JAVA_LONG.withName("ctime"),
            JAVA_INT.withName("atimensec"),
            JAVA_INT.withName("mtimensec"),
            JAVA_INT.withName("ctimensec"),
            JAVA_INT.withName("mode"),
            JAVA_INT.withName("nlink"),
            JAVA_INT.withName("uid"),
            JAVA_INT.withName("gid"),
            JAVA_INT.withName("rdev"),
            JAVA_INT.withName("blksize"),
            JAVA_INT.withName("flags"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle INO = Structs.field(LAYOUT, "ino");
    public static final VarHandle SIZE = Structs.field(LAYOUT, "size");
    public static final VarHandle BLOCKS = Structs.field(LAYOUT, "blocks");
    public static final VarHandle ATIME = Structs.field(LAYOUT, "atime");
    public static final VarHandle MTIME = Structs.field(LAYOUT, "mtime");
    public static final VarHandle CTIME = Structs.field(LAYOUT, "ctime");
    public static final VarHandle ATIMENSEC = Structs.field(LAYOUT, "atimensec");
    public static final VarHandle MTIMENSEC = Structs.field(LAYOUT, "mtimensec");
    public static final VarHandle CTIMENSEC = Structs.field(LAYOUT, "ctimensec");
    public static final VarHandle MODE = Structs.field(LAYOUT, "mode");
    public static final VarHandle NLINK = Structs.field(LAYOUT, "nlink");
    public static final VarHandle UID = Structs.field(LAYOUT, "uid");
    public static final VarHandle GID = Structs.field(LAYOUT, "gid");
    public static final VarHandle RDEV = Structs.field(LAYOUT, "rdev");
    public static final VarHandle BLKSIZE = Structs.field(LAYOUT, "blksize");
    public static final VarHandle FLAGS = Structs.field(LAYOUT, "flags");

    private FuseAttr() {
    }
}
