package fuse.mount;

import java.util.Map;

/**
 * A mount's figures since it was mounted.
 *
 * @param operations per request type (the FUSE opcode's name, e.g. {@code LOOKUP}), only types seen so far
 * @param nodes kernel nodes the mount knows (looked up and not forgotten)
 * @param openFiles open files and directories
 * @param backendWaits requests that had to wait for a backend
 * @param backendTimeouts requests that failed with EIO because no backend came within {@code backend_wait}
 * @param swaps backend swaps (including re-binding after a backend came back)
 * @param internalErrors exceptions other than {@code FuseException} (bugs), answered with EIO
 * @param movedFiles open files opened again on the current backend because the backend that opened them went
 *        away (a bundle update or removal)
 * @param swapStallNanos time new requests were held back by swaps, summed
 * @param maxSwapStallNanos the longest such hold
 * @param javaBytesRead bytes READ requests answered from the backend (files served in Java; passthrough reads
 *        never reach the mount)
 * @param javaBytesWritten bytes WRITE requests handed to the backend, likewise
 */
public record MountStatistics(
        Map<String, OperationStatistics> operations,
        long nodes,
        long openFiles,
        long backendWaits,
        long backendTimeouts,
        long swaps,
        long internalErrors,
        long movedFiles,
        long swapStallNanos,
        long maxSwapStallNanos,
        long javaBytesRead,
        long javaBytesWritten) {

    public MountStatistics {
        operations = Map.copyOf(operations);
    }

    /** Figures of a mount that moves no open files. */
    public MountStatistics(Map<String, OperationStatistics> operations, long nodes, long openFiles,
            long backendWaits, long backendTimeouts, long swaps, long internalErrors) {
        this(operations, nodes, openFiles, backendWaits, backendTimeouts, swaps, internalErrors, 0);
    }

    /** Figures without swap stalls and bytes served (as kept before those were). */
    public MountStatistics(Map<String, OperationStatistics> operations, long nodes, long openFiles,
            long backendWaits, long backendTimeouts, long swaps, long internalErrors, long movedFiles) {
        this(operations, nodes, openFiles, backendWaits, backendTimeouts, swaps, internalErrors, movedFiles, 0, 0, 0,
                0);
    }

    /** All requests answered. */
    public long requests() {
        return operations.values().stream().mapToLong(OperationStatistics::count).sum();
    }

    /** Requests of one type ({@code "READ"}), 0 if none. */
    public long count(String operation) {
        OperationStatistics stats = operations.get(operation);
        return stats == null ? 0 : stats.count();
    }
}
