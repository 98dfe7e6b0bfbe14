package fuse.api;

import java.nio.file.Path;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/** What a backend learns about the mount it is opened for. Provided by {@code fuse.mount}. */
@ProviderType
public interface MountContext {

    /** The mountpoint, for messages. */
    Path mountpoint();

    /**
     * The mount's whole configuration: the mount's own keys and the backend's settings under their own names
     * (e.g. {@code root}, {@code policy}). Values are as ConfigAdmin holds them (String, Boolean, Long, arrays…).
     */
    Map<String, Object> configuration();

    /**
     * Tells the kernel to drop what it cached about {@code node}: attributes and, if asked, data (of a directory:
     * its listing; the mount then reads the listing anew, from no directory the backend opened before this call).
     * Like every notification, sent later from the mount's own thread: safe to call from anywhere, never blocks on
     * the kernel.
     */
    void invalidateAttributes(Node node, boolean data);

    /** Tells the kernel to drop its cached lookup of {@code name} in {@code parent}. */
    void invalidateEntry(Node parent, String name);

    /**
     * Tells the kernel to drop every cached lookup and attribute of the mount, names known not to exist included:
     * for a backend that lost track of what changed behind the mount (e.g. its event queue overflowed).
     */
    void invalidateAll();

    /**
     * Whether this is a rehearsal, not a mount: the request path run in memory while the container starts (a
     * warm-up, on a private temporary directory), so that the JIT has compiled it before the first real request.
     * Nothing is mounted and no user sees it, so a backend says that it opened and closed it at DEBUG, not as it
     * announces a mount.
     */
    default boolean rehearsal() {
        return false;
    }
}
