package fuse.mount.internal;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import fuse.api.Errno;
import fuse.api.FuseException;

/**
 * Open files by {@code fh}: a 64-bit counter, never reused, so a stale fh can never reach another file. Room for
 * an open file is {@linkplain #reserve reserved} before the backend opens anything, so the bound holds however
 * many opens run at once.
 */
final class HandleTable {
    private final AtomicLong next = new AtomicLong(1);
    private final ConcurrentHashMap<Long, OpenFile> files = new ConcurrentHashMap<>();
    /** Open files plus reservations not yet filled. */
    private final AtomicInteger claimed = new AtomicInteger();

    /** Room for one open file: filled by {@link #put}, or given back on close. */
    final class Slot implements AutoCloseable {
        private boolean filled;

        @Override
        public void close() {
            if (!filled) {
                filled = true;
                claimed.decrementAndGet();
            }
        }
    }

    /** A slot, or {@code null} when {@code limit} files are open (or about to be). */
    Slot reserve(int limit) {
        int current;
        do {
            current = claimed.get();
            if (current >= limit) {
                return null;
            }
        } while (!claimed.compareAndSet(current, current + 1));
        return new Slot();
    }

    long nextFh() {
        return next.getAndIncrement();
    }

    void put(OpenFile file, Slot slot) {
        if (slot.filled) {
            throw new IllegalStateException("slot already used");
        }
        slot.filled = true;
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
        OpenFile file = files.remove(fh);
        if (file != null) {
            claimed.decrementAndGet();
        }
        return file;
    }

    boolean remove(OpenFile file) {
        boolean removed = files.remove(file.fh(), file);
        if (removed) {
            claimed.decrementAndGet();
        }
        return removed;
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
