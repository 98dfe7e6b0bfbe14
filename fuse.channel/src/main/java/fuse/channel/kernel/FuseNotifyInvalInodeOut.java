package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_notify_inval_inode_out}. */
public final class FuseNotifyInvalInodeOut {
    public static final StructLayout LAYOUT = Structs.struct("fuse_notify_inval_inode_out",
            JAVA_LONG.withName("ino"),
            JAVA_LONG.withName("off"),
            JAVA_LONG.withName("len"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle INO = Structs.field(LAYOUT, "ino");
    public static final VarHandle OFF = Structs.field(LAYOUT, "off");
    public static final VarHandle LEN = Structs.field(LAYOUT, "len");

    private FuseNotifyInvalInodeOut() {
    }
}
