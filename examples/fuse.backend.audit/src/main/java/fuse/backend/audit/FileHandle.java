package fuse.backend.audit;

import java.util.concurrent.atomic.LongAdder;

import fuse.api.Handle;

/**
 * An open regular file: a real descriptor of the host file. For a passed-through open the kernel reads and writes
 * the file itself and this handle only sees flush, fsync and release (and reads and writes if the kernel refuses
 * passthrough); an audited open is served here and counts its bytes for the audit log.
 *
 * @param path the file's path below the root, for the audit log ({@code null} if not audited)
 */
record FileHandle(int fd, String path, LongAdder bytesRead, LongAdder bytesWritten) implements Handle {
    static FileHandle passthrough(int fd) {
        return new FileHandle(fd, null, null, null);
    }

    static FileHandle audited(int fd, String path) {
        return new FileHandle(fd, path, new LongAdder(), new LongAdder());
    }

    boolean audited() {
        return path != null;
    }
}
