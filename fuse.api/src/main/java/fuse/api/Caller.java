package fuse.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Who asked, and the state of the request: the credentials and umask the kernel sent with it, and whether the
 * caller has given up (FUSE_INTERRUPT). Long operations poll {@link #interrupted()} and throw
 * {@code FuseException(EINTR)}.
 */
@ProviderType
public interface Caller {
    int uid();

    int gid();

    int pid();

    /** The caller's umask for create, mkdir and mknod; 0 where the kernel already applied it. */
    int umask();

    /** {@code true} once the kernel has sent FUSE_INTERRUPT for this request. */
    boolean interrupted();
}
