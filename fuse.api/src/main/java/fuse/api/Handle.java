package fuse.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * An open file or directory as a backend knows it, from {@code open}/{@code create}/{@code opendir} until
 * {@code release}/{@code releasedir}. The backend chooses the representation; the mount never looks inside.
 */
@ConsumerType
public interface Handle {
}
