package fuse.channel.kernel;

import java.lang.foreign.StructLayout;

/** {@code struct fuse_statfs_out}: one {@link FuseKstatfs}. */
public final class FuseStatfsOut {
    public static final StructLayout LAYOUT = Structs.struct("fuse_statfs_out",
            FuseKstatfs.LAYOUT.withName("st"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final long ST = Structs.offset(LAYOUT, "st");

    private FuseStatfsOut() {
    }
}
