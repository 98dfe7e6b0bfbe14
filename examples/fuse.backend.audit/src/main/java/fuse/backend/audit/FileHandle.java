package fuse.backend.audit;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.LongAdder;

import fuse.api.FuseException;
import fuse.posix.nodes.HostFile;

/**
 * An open regular file ({@link HostFile}). For a passed-through open the kernel reads and writes the file itself
 * and this handle only sees flush, fsync and release (and reads and writes if the kernel refuses passthrough); an
 * audited open is served here and counts its bytes for the audit log.
 */
final class FileHandle extends HostFile {
    /** The file's path below the root, for the audit log; {@code null} if not audited. */
    final String path;
    final LongAdder bytesRead = new LongAdder();
    final LongAdder bytesWritten = new LongAdder();

    FileHandle(int fd, int flags, String path) {
        super(fd, flags);
        this.path = path;
    }

    boolean audited() {
        return path != null;
    }

    @Override
    public int read(long offset, MemorySegment buffer) throws FuseException {
        int n = super.read(offset, buffer);
        bytesRead.add(n);
        return n;
    }

    @Override
    public int write(long offset, MemorySegment data, boolean killPrivileges) throws FuseException {
        int n = super.write(offset, data, killPrivileges);
        bytesWritten.add(n);
        return n;
    }
}
