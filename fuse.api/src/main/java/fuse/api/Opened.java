package fuse.api;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A backend's answer to open or create: either the kernel serves reads, writes and mmap straight from a backing
 * file ({@link Passthrough}), or every read and write comes to the backend's handle ({@link Served}).
 *
 * <p>Either way the handle stays the backend's: flush, fsync, fallocate, lseek, copy_file_range and release
 * always reach it, and a passthrough handle must also serve {@code read}/{@code write} itself, because the mount
 * falls back to them when the kernel refuses passthrough (no {@code CAP_SYS_ADMIN}, stacking too deep…).
 */
@ProviderType
public sealed interface Opened {

    Handle handle();

    Set<OpenOption> options();

    /**
     * Pass this file through to a backing file.
     *
     * @param backingFd an open descriptor of the backing regular file, owned by the backend (it stays open until
     *        the handle is released; the kernel takes its own reference when the mount registers it)
     */
    record Passthrough(Handle handle, int backingFd, Set<OpenOption> options) implements Opened {
        public Passthrough {
            Objects.requireNonNull(handle, "handle");
            if (backingFd < 0) {
                throw new IllegalArgumentException("backingFd must be an open descriptor: " + backingFd);
            }
            options = Set.copyOf(options);
        }
    }

    /** Serve this file in Java: reads and writes come to the backend's handle. */
    record Served(Handle handle, Set<OpenOption> options) implements Opened {
        public Served {
            Objects.requireNonNull(handle, "handle");
            options = Set.copyOf(options);
        }
    }

    static Opened passthrough(Handle handle, int backingFd, OpenOption... options) {
        return new Passthrough(handle, backingFd, asSet(options));
    }

    static Opened served(Handle handle, OpenOption... options) {
        return new Served(handle, asSet(options));
    }

    private static Set<OpenOption> asSet(OpenOption... options) {
        return options.length == 0 ? Set.of() : EnumSet.of(options[0], options);
    }
}
