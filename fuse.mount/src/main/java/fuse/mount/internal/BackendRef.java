package fuse.mount.internal;

import java.util.Comparator;
import java.util.Map;
import java.util.Objects;

import fuse.api.FileSystemBackend;

/**
 * A backend service as the mount sees it: its name, the service object, and what orders candidates (ranking,
 * then the older service).
 *
 * @param key identifies the service registration (its service.id in OSGi)
 * @param properties the service properties, for LDAP targets
 */
public record BackendRef(String name, FileSystemBackend backend, long key, int ranking,
        Map<String, Object> properties) {

    /** The preferred candidate first: highest ranking, then lowest key (registered earliest). */
    public static final Comparator<BackendRef> PREFERRED = Comparator.comparingInt(BackendRef::ranking).reversed()
            .thenComparingLong(BackendRef::key);

    public BackendRef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(backend, "backend");
        properties = Map.copyOf(properties);
    }

    /** A backend outside OSGi, with just a name. */
    public static BackendRef of(String name, FileSystemBackend backend, long key) {
        return new BackendRef(name, backend, key, 0, Map.of(FileSystemBackend.NAME, name));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BackendRef other && other.key == key;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(key);
    }

    @Override
    public String toString() {
        return name + " (service " + key + ")";
    }
}
