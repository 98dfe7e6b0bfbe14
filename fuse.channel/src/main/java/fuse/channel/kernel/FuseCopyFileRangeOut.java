package fuse.channel.kernel;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** {@code struct fuse_copy_file_range_out}. */
public final class FuseCopyFileRangeOut {
    public static final StructLayout LAYOUT = Structs.struct("fuse_copy_file_range_out",
            JAVA_LONG.withName("bytesCopied"));
    public static final int BYTES = (int) LAYOUT.byteSize();

    public static final VarHandle BYTES_COPIED = Structs.field(LAYOUT, "bytesCopied");

    private FuseCopyFileRangeOut() {
    }
}
