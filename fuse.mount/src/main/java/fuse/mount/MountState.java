package fuse.mount;

/** Where a mount is in its life. */
public enum MountState {
    /** Not mounted yet (configuration being applied). */
    STARTING,
    /** Mounted; no backend bound: requests wait {@code backend_wait} seconds for one, then fail with EIO. */
    WAITING_FOR_BACKEND,
    /** Mounted and bound to a backend. */
    SERVING,
    /** Mounted; new requests wait while the backend is being replaced. */
    SWAPPING,
    /** Not mounted because of a configuration problem ({@link FuseMount#problem()} says which). */
    FAILED,
    /** Not mounted any more (configuration deleted, unmounted from outside, or connection aborted). */
    UNMOUNTED
}
