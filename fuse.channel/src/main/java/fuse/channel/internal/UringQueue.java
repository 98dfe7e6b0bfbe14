package fuse.channel.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.Errno;
import fuse.channel.InitResult;
import fuse.channel.kernel.FuseInHeader;
import fuse.channel.kernel.FuseKernel;
import fuse.channel.kernel.FuseOutHeader;
import fuse.channel.kernel.FuseUringCmdReq;
import fuse.channel.kernel.FuseUringReqHeader;
import fuse.posix.Native;

/**
 * One FUSE io_uring queue, served by one thread: {@link #DEPTH} ring entries, each a header buffer and a payload
 * buffer registered with the kernel, and the loop that hands each delivered request to the dispatcher and answers
 * it with COMMIT_AND_FETCH (which also waits for the entry's next request).
 *
 * <p>An entry's memory: the 288-byte {@code fuse_uring_req_header} at 0, its iovec pair at {@link #IOVEC_AT}, the
 * payload buffer at {@link #PAYLOAD_AT}. The kernel splits a request into the header buffer (in header, first
 * argument) and the payload (the other arguments); the queue copies the in header and the first argument to just
 * before the payload, so the dispatcher reads the request as one contiguous {@code /dev/fuse} message without the
 * payload being copied. The reply is encoded the same way: its out header just before the payload, its body in
 * the payload, where the kernel reads it; only the 16-byte out header is copied into the header buffer.
 *
 * <p>Teardown: the kernel completes every command it holds with ENOTCONN when the connection ends (unmount or
 * abort), which wakes the thread; the thread leaves once it holds no command in the kernel, and only then unmaps the
 * buffers (a command still in the kernel could be written into them). A queue that loses its entries while the
 * connection lives would leave its CPU's requests waiting forever, so it aborts the connection instead.
 */
final class UringQueue {
    private static final Logger LOG = LoggerFactory.getLogger(UringQueue.class);
    /** Ring entries per queue: requests from one CPU queued while its thread serves another. */
    static final int DEPTH = 8;
    /** After the header buffer. */
    private static final long IOVEC_AT = 512;
    /** Page aligned, with room before it for the in header and the largest first argument (168 bytes). */
    private static final long PAYLOAD_AT = KernelPage.SIZE;
    private static final int IOVEC_BYTES = 16;

    /** Counts a served request for the session's statistics. */
    interface Served {
        void served();
    }

    private final int qid;
    private final IoUring ring;
    private final int deviceFd;
    private final long connectionId;
    private MemorySegment memory;
    private Entry[] entries;
    private long entryBytes;
    private int payloadBytes;
    /** Commands the kernel holds (a registered or committed entry waiting for its next request). */
    private int inKernel;
    private boolean connectionGone;

    UringQueue(int qid, IoUring ring, int deviceFd, long connectionId) {
        this.qid = qid;
        this.ring = ring;
        this.deviceFd = deviceFd;
        this.connectionId = connectionId;
    }

    int qid() {
        return qid;
    }

    /** The payload buffer the kernel requires: {@code max(FUSE_MIN_READ_BUFFER, max_write, max_pages pages)}. */
    static int payloadBytes(InitResult init) {
        return KernelPage.roundUp(Math.max(FuseKernel.MIN_READ_BUFFER,
                Math.max(init.maxWrite(), init.maxPages() * KernelPage.SIZE)));
    }

    /**
     * Registers the entries and serves requests until the connection ends; then releases the ring and, when the
     * kernel holds none of them, the buffers. Never throws.
     */
    void serve(InitResult init, int slot, Dispatcher dispatcher, BooleanSupplier connected, Served served) {
        // The kernel queues a request on the queue of the CPU its caller runs on, and that caller sleeps until the
        // answer: serving it on the same CPU avoids a cross-CPU wake-up each way and keeps its data in that cache.
        Errno pinned = LinuxCalls.pinToCpu(qid);
        if (pinned != null) {
            LOG.debug("io_uring queue {} of connection {} runs unpinned: {}", qid, connectionId, pinned);
        }
        try {
            if (register(init, slot)) {
                loop(dispatcher, connected, served);
            }
        } catch (RuntimeException | Error e) {
            LOG.error("io_uring queue {} of connection {} failed", qid, connectionId, e);
            failConnection("the queue failed");
        } finally {
            release();
        }
    }

    /** Allocates the entries and submits one REGISTER per entry; false (connection aborted) when it cannot. */
    private boolean register(InitResult init, int slot) {
        Errno enabled = ring.enable();
        if (enabled != null) {
            failConnection("cannot enable the io_uring: " + enabled);
            return false;
        }
        payloadBytes = payloadBytes(init);
        entryBytes = PAYLOAD_AT + payloadBytes;
        // Anonymous memory, mapped lazily: an entry costs the pages its requests touch, not its full payload.
        memory = LinuxCalls.mmap(entryBytes * DEPTH, LinuxCalls.PROT_READ | LinuxCalls.PROT_WRITE,
                LinuxCalls.MAP_PRIVATE | LinuxCalls.MAP_ANONYMOUS | LinuxCalls.MAP_NORESERVE, -1, 0);
        if (memory == null) {
            failConnection("cannot map " + entryBytes * DEPTH + " bytes of ring buffers: "
                    + Errno.of(Native.lastErrno()));
            return false;
        }
        entries = new Entry[DEPTH];
        for (int i = 0; i < DEPTH; i++) {
            entries[i] = new Entry(i, memory.asSlice(i * entryBytes, entryBytes), slot);
            entries[i].submit(FuseUringCmdReq.CMD_REGISTER);
        }
        return true;
    }

    private void loop(Dispatcher dispatcher, BooleanSupplier connected, Served served) {
        IoUring.Completion completion = (userData, result) -> complete(entries[(int) userData], result,
                connected.getAsBoolean() ? dispatcher : null, served);
        while (inKernel > 0) {
            int rc = ring.submitAndWait(1);
            if (rc < 0 && rc != -Errno.EINTR.code()) {
                // Nothing can reach this thread any more: end the connection rather than leave its requests waiting.
                failConnection("io_uring_enter failed: " + Errno.of(-rc));
                return;
            }
            ring.drain(completion);
        }
        if (!connectionGone) {
            failConnection("every ring entry failed");
        }
    }

    private void complete(Entry entry, int result, Dispatcher dispatcher, Served served) {
        inKernel--;
        if (result == 0) {
            entry.serve(dispatcher);
            served.served();
            return;
        }
        int errno = -result;
        if (errno == Errno.EINTR.code() || errno == Errno.EAGAIN.code()) {
            entry.submit(entry.lastCommand);
            return;
        }
        if (errno == Errno.ENOTCONN.code() || errno == Errno.ECONNABORTED.code()) {
            connectionGone = true;
        } else {
            LOG.warn("io_uring queue {} of connection {}: {} of entry {} failed: {}", qid, connectionId,
                    entry.lastCommand == FuseUringCmdReq.CMD_REGISTER ? "REGISTER" : "COMMIT_AND_FETCH", entry.id,
                    Errno.of(errno));
        }
    }

    private void failConnection(String why) {
        LOG.error("io_uring queue {} of connection {}: {}; aborting the connection", qid, connectionId, why);
        FuseControl.abort(connectionId);
    }

    /** Closes the ring when {@link #serve} never ran (INIT did not agree on io_uring). */
    void close() {
        ring.close();
    }

    private void release() {
        ring.close();
        if (memory != null) {
            if (inKernel == 0) {
                LinuxCalls.munmap(memory);
            } else {
                // The kernel may still write a request into them: better a leak than a write into reused memory.
                LOG.error("io_uring queue {} of connection {}: {} entries still in the kernel; their buffers stay "
                        + "mapped", qid, connectionId, inKernel);
            }
            memory = null;
        }
    }

    /** One ring entry: its buffers, the reader context the dispatcher uses for its requests, and its commands. */
    private final class Entry implements Transport {
        final int id;
        final MemorySegment memory;
        final MemorySegment headers;
        final ReaderContext context;
        int lastCommand;
        long commitId;
        boolean answered;

        Entry(int id, MemorySegment memory, int slot) {
            this.id = id;
            this.memory = memory;
            this.headers = memory.asSlice(0, FuseUringReqHeader.BYTES);
            MemorySegment iovec = memory.asSlice(IOVEC_AT, 2L * IOVEC_BYTES);
            iovec.set(ADDRESS, 0, headers);
            iovec.set(JAVA_LONG, 8, FuseUringReqHeader.BYTES);
            iovec.set(ADDRESS, IOVEC_BYTES, memory.asSlice(PAYLOAD_AT));
            iovec.set(JAVA_LONG, IOVEC_BYTES + 8, payloadBytes);
            this.context = new ReaderContext(slot,
                    memory.asSlice(PAYLOAD_AT - FuseOutHeader.BYTES, FuseOutHeader.BYTES + payloadBytes), this);
        }

        /** Queues {@code command} for this entry; it reaches the kernel with the next {@code io_uring_enter}. */
        void submit(int command) {
            MemorySegment sqe = ring.nextSqe();
            if (sqe == null) {
                // One command per entry, and the SQ has at least DEPTH slots: a full SQ is a bug of this class.
                throw new IllegalStateException("io_uring SQ full on queue " + qid);
            }
            lastCommand = command;
            sqe.set(JAVA_BYTE, IoUring.SQE_OPCODE, IoUring.OP_URING_CMD);
            sqe.set(JAVA_INT, IoUring.SQE_FD, deviceFd);
            sqe.set(JAVA_INT, IoUring.SQE_CMD_OP, command);
            sqe.set(JAVA_LONG, IoUring.SQE_USER_DATA, id);
            if (command == FuseUringCmdReq.CMD_REGISTER) {
                sqe.set(JAVA_LONG, IoUring.SQE_ADDR, memory.address() + IOVEC_AT);
                sqe.set(JAVA_INT, IoUring.SQE_LEN, 2);
            } else {
                FuseUringCmdReq.COMMIT_ID.set(sqe, IoUring.SQE_CMD, commitId);
            }
            FuseUringCmdReq.QID.set(sqe, IoUring.SQE_CMD, (short) qid);
            inKernel++;
        }

        /**
         * The kernel put a request in this entry: rebuild it as one message, dispatch it, commit its answer. With no
         * dispatcher (the connection is gone: the commit fails anyway) the request is answered EIO at once, so that
         * requests delivered before an abort do not each wait for a slow handler.
         */
        void serve(Dispatcher dispatcher) {
            commitId = (long) FuseUringReqHeader.COMMIT_ID.get(headers, 0L);
            long length = Integer.toUnsignedLong((int) FuseInHeader.LEN.get(headers, FuseUringReqHeader.IN_OUT));
            long payload = Integer.toUnsignedLong((int) FuseUringReqHeader.PAYLOAD_SZ.get(headers, 0L));
            long firstArgument = length - FuseInHeader.BYTES - payload;
            answered = false;
            if (dispatcher == null) {
                LOG.debug("io_uring queue {}: request {} after the connection ended: answered EIO", qid, commitId);
            } else if (firstArgument < 0 || firstArgument > FuseUringReqHeader.OP_IN_BYTES
                    || payload > payloadBytes) {
                LOG.warn("io_uring queue {}: malformed request {} ({} bytes, payload {}): answered EIO", qid,
                        commitId, length, payload);
            } else {
                long start = PAYLOAD_AT - firstArgument - FuseInHeader.BYTES;
                MemorySegment.copy(headers, FuseUringReqHeader.OP_IN, memory, PAYLOAD_AT - firstArgument,
                        firstArgument);
                MemorySegment.copy(headers, FuseUringReqHeader.IN_OUT, memory, start, FuseInHeader.BYTES);
                context.request(memory.asSlice(start, length));
                try {
                    dispatcher.dispatch(context, length);
                } catch (RuntimeException | Error e) {
                    LOG.error("io_uring queue {}: request {} failed unexpectedly; going on", qid, commitId, e);
                }
            }
            if (!answered) {
                // The kernel only hands this entry a new request after a commit: answer, whatever happened.
                FuseOutHeader.LEN.set(headers, FuseUringReqHeader.IN_OUT, FuseOutHeader.BYTES);
                FuseOutHeader.ERROR.set(headers, FuseUringReqHeader.IN_OUT, -Errno.EIO.code());
                FuseOutHeader.UNIQUE.set(headers, FuseUringReqHeader.IN_OUT, commitId);
                FuseUringReqHeader.PAYLOAD_SZ.set(headers, 0L, 0);
                commit();
            }
        }

        /** The reply is in place after the out header at {@code message}: the header goes to the header buffer. */
        @Override
        public int write(MemorySegment message, long length) {
            MemorySegment.copy(message, 0, headers, FuseUringReqHeader.IN_OUT, FuseOutHeader.BYTES);
            FuseUringReqHeader.PAYLOAD_SZ.set(headers, 0L, (int) (length - FuseOutHeader.BYTES));
            commit();
            return 0;
        }

        private void commit() {
            answered = true;
            submit(FuseUringCmdReq.CMD_COMMIT_AND_FETCH);
        }
    }
}
