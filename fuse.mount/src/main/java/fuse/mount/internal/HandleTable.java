package fuse.mount.internal;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import fuse.api.Errno;
import fuse.api.FuseException;

/** Open files by {@code fh}: a 64-bit counter, never reused, so a stale fh can never reach another file. */
final class HandleTable {
    private final AtomicLong next = new AtomicLong(1);
    private final ConcurrentHashMap<Long, OpenFile> files = new ConcurrentHashMap<>();

    long nextFh() {
        return next.getAndIncrement();
    }

    void put(OpenFile file) {
        files.put(file.fh(), file);
    }

    OpenFile get(long fh, boolean directory) throws FuseException {
        OpenFile file = files.get(fh);
        if (file == null || file.directory() != directory) {
            throw new FuseException(Errno.EBADF, "no open " + (directory ? "directory" : "file") + " " + fh);
        }
        return file;
    }

    /** The open file for {@code fh} if there is one (GETATTR and SETATTR name one only sometimes). */
    OpenFile find(long fh) {
        return fh < 0 ? null : files.get(fh);
    }

    OpenFile remove(long fh) {
        return files.remove(fh);
    }

    boolean remove(OpenFile file) {
        return files.remove(file.fh(), file);
    }

    /** Puts {@code moved} in place of {@code file}; {@code false} if the file was released meanwhile. */
    boolean replace(OpenFile file, OpenFile moved) {
        return files.replace(file.fh(), file, moved);
    }

    List<OpenFile> snapshot() {
        return List.copyOf(files.values());
    }

    int size() {
        return files.size();
    }
}
