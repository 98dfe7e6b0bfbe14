package fuse.channel;

import org.osgi.annotation.versioning.ProviderType;

import fuse.channel.kernel.FuseOpcode;

/**
 * The part of every request that names it, its target and its caller ({@code fuse_in_header}), plus whether the
 * kernel has since interrupted it.
 */
@ProviderType
public interface RequestHeader {
    /** The request's id; replies and interrupts refer to it. */
    long unique();

    /** The FUSE opcode (e.g. 1 for LOOKUP), for statistics and logs. */
    int opcode();

    /** The kernel node the request is about (1 is the root). */
    long nodeId();

    int uid();

    int gid();

    int pid();

    /** {@code true} once a FUSE_INTERRUPT for this request has arrived. */
    boolean interrupted();

    /** The name of a FUSE opcode ({@code LOOKUP} for 1), or {@code OPCODE_<n>} for one the channel does not know. */
    static String opcodeName(int opcode) {
        FuseOpcode op = FuseOpcode.of(opcode);
        return op != null ? op.name() : "OPCODE_" + opcode;
    }
}
