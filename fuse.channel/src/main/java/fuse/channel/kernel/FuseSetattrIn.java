package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_setattr_in}. */
public final class FuseSetattrIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_setattr_in",
            JAVA_INT.withName("valid"),
            JAVA_INT.withName("padding"),
            JAVA_LONG.withName("fh"),
            JAVA_LONG.withName("size"),
            JAVA_LONG.withName("lockOwner"),
            JAVA_LONG.withName("atime"),
            JAVA_LONG.withName("mtime"),
            JAVA_LONG.withName("ctime"),
            JAVA_INT.withName("atimensec"),
            JAVA_INT.withName("mtimensec"),
            JAVA_INT.withName("ctimensec"),
            JAVA_INT.withName("mode"),
            JAVA_INT.withName("unused4"),
            JAVA_INT.withName("uid"),
            JAVA_INT.withName("gid"),
            JAVA_INT.withName("unused5"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle VALID = Structs.field(LAYOUT, "valid");
    public static final VarHandle PADDING = Structs.field(LAYOUT, "padding");
    public static final VarHandle FH = Structs.field(LAYOUT, "fh");
    public static final VarHandle SIZE = Structs.field(LAYOUT, "size");
    public static final VarHandle LOCK_OWNER = Structs.field(LAYOUT, "lockOwner");
    public static final VarHandle ATIME = Structs.field(LAYOUT, "atime");
    public static final VarHandle MTIME = Structs.field(LAYOUT, "mtime");
    public static final VarHandle CTIME = Structs.field(LAYOUT, "ctime");
    public static final VarHandle ATIMENSEC = Structs.field(LAYOUT, "atimensec");
    public static final VarHandle MTIMENSEC = Structs.field(LAYOUT, "mtimensec");
    public static final VarHandle CTIMENSEC = Structs.field(LAYOUT, "ctimensec");
    public static final VarHandle MODE = Structs.field(LAYOUT, "mode");
    public static final VarHandle UNUSED4 = Structs.field(LAYOUT, "unused4");
    public static final VarHandle UID = Structs.field(LAYOUT, "uid");
    public static final VarHandle GID = Structs.field(LAYOUT, "gid");
    public static final VarHandle UNUSED5 = Structs.field(LAYOUT, "unused5");

    private FuseSetattrIn() {
    }
}
