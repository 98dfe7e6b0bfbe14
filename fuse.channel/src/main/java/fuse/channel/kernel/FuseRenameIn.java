package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_rename_in}. */
public final class FuseRenameIn {
    public static final StructLayout LAYOUT = Structs.struct("fuse_rename_in",
            JAVA_LONG.withName("newdir"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle NEWDIR = Structs.field(LAYOUT, "newdir");

    private FuseRenameIn() {
    }
}
