package fuse.mount.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

import fuse.mount.OperationStatistics;

/** Per-opcode counts, errors and latencies: plain atomic arrays indexed by opcode, no allocation per request. */
final class OperationCounters {
    private static final int SIZE = 64;
    private static final String[] NAMES = new String[SIZE];

    static {
        String[] names = {null, "LOOKUP", "FORGET", "GETATTR", "SETATTR", "READLINK", "SYMLINK", null, "MKNOD",
            "MKDIR", "UNLINK", "RMDIR", "RENAME", "LINK", "OPEN", "READ", "WRITE", "STATFS", "RELEASE", null, "FSYNC",
            "SETXATTR", "GETXATTR", "LISTXATTR", "REMOVEXATTR", "FLUSH", "INIT", "OPENDIR", "READDIR", "RELEASEDIR",
            "FSYNCDIR", "GETLK", "SETLK", "SETLKW", "ACCESS", "CREATE", "INTERRUPT", "BMAP", "DESTROY", "IOCTL",
            "POLL", "NOTIFY_REPLY", "BATCH_FORGET", "FALLOCATE", "READDIRPLUS", "RENAME2", "LSEEK",
            "COPY_FILE_RANGE", "SETUPMAPPING", "REMOVEMAPPING", "SYNCFS", "TMPFILE", "STATX", "COPY_FILE_RANGE_64"};
        System.arraycopy(names, 0, NAMES, 0, names.length);
    }

    private final AtomicLongArray count = new AtomicLongArray(SIZE);
    private final AtomicLongArray errors = new AtomicLongArray(SIZE);
    private final AtomicLongArray nanos = new AtomicLongArray(SIZE);
    private final AtomicLongArray max = new AtomicLongArray(SIZE);

    void record(int opcode, long elapsed, boolean failed) {
        int i = opcode >= 0 && opcode < SIZE ? opcode : 0;
        count.incrementAndGet(i);
        if (failed) {
            errors.incrementAndGet(i);
        }
        nanos.addAndGet(i, elapsed);
        long previous;
        while (elapsed > (previous = max.get(i)) && !max.compareAndSet(i, previous, elapsed)) {
            Thread.onSpinWait();
        }
    }

    static String name(int opcode) {
        String name = opcode >= 0 && opcode < SIZE ? NAMES[opcode] : null;
        return name != null ? name : "OPCODE_" + opcode;
    }

    Map<String, OperationStatistics> snapshot() {
        Map<String, OperationStatistics> result = new LinkedHashMap<>();
        for (int i = 0; i < SIZE; i++) {
            long n = count.get(i);
            if (n > 0) {
                result.put(name(i), new OperationStatistics(n, errors.get(i), nanos.get(i), max.get(i)));
            }
        }
        return result;
    }
}
