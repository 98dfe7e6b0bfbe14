package fuse.channel.kernel;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * Builds the kernel struct layouts: every struct of {@code fuse_kernel.h} the channel touches is one
 * {@link StructLayout} with named fields in its own class (named like the C struct), and its fields are read and
 * written through {@link VarHandle}s taking {@code (MemorySegment, long baseOffset)}. All structs are little-endian
 * (the native order on x86_64 and aarch64) with natural alignment.
 */
final class Structs {
    private Structs() {
    }

    /**
     * A struct laid out as the C compiler does: {@code structLayout} already rejects a misaligned member, and this
     * rejects a missing tail padding (a C struct's size is a multiple of its alignment), so that a forgotten
     * field cannot silently shift every later struct of a reply.
     */
    static StructLayout struct(String name, MemoryLayout... members) {
        StructLayout layout = MemoryLayout.structLayout(members).withName(name);
        if (layout.byteSize() % layout.byteAlignment() != 0) {
            throw new AssertionError(name + " is " + layout.byteSize() + " bytes, not padded to its alignment");
        }
        return layout;
    }

    static VarHandle field(StructLayout layout, String name) {
        return layout.varHandle(MemoryLayout.PathElement.groupElement(name));
    }

    static long offset(StructLayout layout, String name) {
        return layout.byteOffset(MemoryLayout.PathElement.groupElement(name));
    }
}
