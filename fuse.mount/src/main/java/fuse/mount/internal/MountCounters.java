package fuse.mount.internal;

import java.util.concurrent.atomic.LongAdder;

/**
 * The figures request handling adds to, owned by the mount and read by its statistics. LongAdders, so
 * concurrent readers add without contending on one cache line.
 */
final class MountCounters {
    final OperationCounters operations = new OperationCounters();
    /** Requests that failed with an unexpected exception (answered EIO), and failed handle releases. */
    final LongAdder internalErrors = new LongAdder();
    /** Open files moved to another binding after theirs closed under them. */
    final LongAdder movedFiles = new LongAdder();
    /** Bytes served in Java (passthrough excluded). */
    final LongAdder javaBytesRead = new LongAdder();
    final LongAdder javaBytesWritten = new LongAdder();
}
