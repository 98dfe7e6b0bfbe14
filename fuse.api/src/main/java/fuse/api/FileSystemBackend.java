package fuse.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A backend: an OSGi service, registered with the {@value #NAME} service property, that opens a
 * {@link FileSystem} for each mount bound to it. One backend service serves any number of mounts, each with its
 * own configuration; a mount can move from one backend to another while it stays mounted.
 */
@ConsumerType
public interface FileSystemBackend {

    /** The service property that names a backend ({@code fuse:backends}, a mount's {@code backend} key). */
    String NAME = "fuse.backend.name";

    /**
     * The service property that names the Metatype OCD (in the backend's bundle) describing the backend's settings
     * in a mount's configuration: the mount warns about keys neither it nor that OCD knows, and {@code fuse:mount}
     * types {@code key=value} arguments from it. A backend without it takes its settings unchecked, as text.
     */
    String SETTINGS = "fuse.backend.settings";

    /**
     * Opens this backend's file system for a mount.
     *
     * @throws FuseException with a message that names the offending setting when the configuration is unusable
     *         (e.g. {@code root: /srv/data does not exist}); the mount reports it and does not come up half-working
     */
    FileSystem open(MountContext mount) throws FuseException;
}
