package fuse.channel.kernel;

import java.lang.foreign.StructLayout;

/** {@code struct fuse_direntplus}: a {@link FuseEntryOut} then a {@link FuseDirent}; the name follows. */
public final class FuseDirentplus {
    public static final StructLayout LAYOUT = Structs.struct("fuse_direntplus",
            FuseEntryOut.LAYOUT.withName("entryOut"),
            FuseDirent.LAYOUT.withName("dirent"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final long ENTRY_OUT = Structs.offset(LAYOUT, "entryOut");
    public static final long DIRENT = Structs.offset(LAYOUT, "dirent");

    private FuseDirentplus() {
    }
}
