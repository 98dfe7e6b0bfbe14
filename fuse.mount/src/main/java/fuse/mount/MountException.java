package fuse.mount;

/**
 * A mount could not be set up or changed. The message is meant for the operator as it stands: it names the
 * setting or the object at fault ({@code mountpoint: /x does not exist}), never a stack trace.
 */
public class MountException extends Exception {
    private static final long serialVersionUID = 1L;

    public MountException(String message) {
        super(message);
    }

    public MountException(String message, Throwable cause) {
        super(message, cause);
    }
}
