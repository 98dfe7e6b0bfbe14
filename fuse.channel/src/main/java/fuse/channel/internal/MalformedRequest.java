package fuse.channel.internal;

/** A request whose bytes do not match its opcode: answered with EIO, never passed on. Cheap: no stack trace. */
final class MalformedRequest extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedRequest(String message) {
        super(message, null, false, false);
    }
}
