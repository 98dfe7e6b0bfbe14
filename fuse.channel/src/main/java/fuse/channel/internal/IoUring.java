package fuse.channel.internal;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import fuse.api.Errno;
import fuse.posix.Native;

/**
 * One io_uring instance with 128-byte SQEs, driven from one thread: {@code io_uring_setup} and
 * {@code io_uring_enter} as raw system calls, the rings {@code mmap}ed. The memory ordering is the kernel's
 * contract (io_uring.h): the SQ tail is published with a release store after the SQEs are written, the CQ tail
 * read with an acquire load before the CQEs are, and the CQ head released once they have been consumed.
 */
final class IoUring implements AutoCloseable {
    static final int SETUP_CQSIZE = 1 << 3;
    static final int SETUP_R_DISABLED = 1 << 6;
    static final int SETUP_SQE128 = 1 << 10;
    static final int SETUP_SINGLE_ISSUER = 1 << 12;
    static final int SETUP_DEFER_TASKRUN = 1 << 13;
    static final int REGISTER_ENABLE_RINGS = 12;
    static final int FEAT_SINGLE_MMAP = 1;
    static final int ENTER_GETEVENTS = 1;
    static final byte OP_URING_CMD = 46;

    /** {@code struct io_uring_sqe} doubled by IORING_SETUP_SQE128: the command's own 80 bytes start at 48. */
    static final int SQE_BYTES = 128;
    static final long SQE_OPCODE = 0;
    static final long SQE_FD = 4;
    static final long SQE_CMD_OP = 8;
    static final long SQE_ADDR = 16;
    static final long SQE_LEN = 24;
    static final long SQE_USER_DATA = 32;
    static final long SQE_CMD = 48;
    /** {@code struct io_uring_cqe}: {@code u64 user_data; s32 res; u32 flags}. */
    private static final int CQE_BYTES = 16;
    private static final long CQE_USER_DATA = 0;
    private static final long CQE_RES = 8;

    /** {@code struct io_uring_params} (120 bytes) and its two offset blocks. */
    private static final int PARAMS_BYTES = 120;
    private static final long P_SQ_ENTRIES = 0;
    private static final long P_CQ_ENTRIES = 4;
    private static final long P_FLAGS = 8;
    private static final long P_FEATURES = 20;
    private static final long P_SQ_OFF = 40;
    private static final long P_CQ_OFF = 80;
    private static final long OFF_HEAD = 0;
    private static final long OFF_TAIL = 4;
    private static final long OFF_RING_MASK = 8;
    private static final long OFF_ARRAY = 24;
    private static final long OFF_CQES = 20;

    private static final long MMAP_SQ_RING = 0;
    private static final long MMAP_CQ_RING = 0x8000000L;
    private static final long MMAP_SQES = 0x10000000L;

    private static final VarHandle INT = JAVA_INT.varHandle();

    private final int fd;
    private final MemorySegment sqRing;
    private final MemorySegment cqRing;
    private final MemorySegment sqes;
    private final long sqHead;
    private final long sqTail;
    private final int sqMask;
    private final int sqEntries;
    private final long cqHead;
    private final long cqTail;
    private final int cqMask;
    private final long cqes;
    /** SQEs written so far (published or not); only this ring's thread moves it. */
    private int sqLocalTail;
    private int unsubmitted;
    private boolean closed;

    private IoUring(int fd, MemorySegment params, MemorySegment sqRing, MemorySegment cqRing, MemorySegment sqes) {
        this.fd = fd;
        this.sqRing = sqRing;
        this.cqRing = cqRing;
        this.sqes = sqes;
        this.sqHead = params.get(JAVA_INT, P_SQ_OFF + OFF_HEAD);
        this.sqTail = params.get(JAVA_INT, P_SQ_OFF + OFF_TAIL);
        this.sqMask = sqRing.get(JAVA_INT, params.get(JAVA_INT, P_SQ_OFF + OFF_RING_MASK));
        this.sqEntries = params.get(JAVA_INT, P_SQ_ENTRIES);
        this.cqHead = params.get(JAVA_INT, P_CQ_OFF + OFF_HEAD);
        this.cqTail = params.get(JAVA_INT, P_CQ_OFF + OFF_TAIL);
        this.cqMask = cqRing.get(JAVA_INT, params.get(JAVA_INT, P_CQ_OFF + OFF_RING_MASK));
        this.cqes = params.get(JAVA_INT, P_CQ_OFF + OFF_CQES);
        this.sqLocalTail = sqRing.get(JAVA_INT, sqTail);
        // The SQ index array maps ring slots to SQEs: slot i always holds SQE i.
        long array = params.get(JAVA_INT, P_SQ_OFF + OFF_ARRAY);
        for (int i = 0; i < sqEntries; i++) {
            sqRing.set(JAVA_INT, array + 4L * i, i);
        }
    }

    /**
     * A ring of at least {@code entries} SQEs and {@code 2 * entries} CQEs.
     *
     * @throws IOException naming the failed call and its errno (ENOSYS: no io_uring; EPERM: disabled by
     *         {@code kernel.io_uring_disabled})
     */
    static IoUring create(int entries) throws IOException {
        MemorySegment params;
        long rc;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocate(PARAMS_BYTES, 8);
            // One thread submits and reaps (SINGLE_ISSUER), and the kernel's completion work runs when that thread
            // waits for completions (DEFER_TASKRUN), not by interrupting it while it serves a request. The ring is
            // created disabled: the single issuer is the queue thread that enables it, not this one.
            p.set(JAVA_INT, P_FLAGS, SETUP_SQE128 | SETUP_CQSIZE | SETUP_SINGLE_ISSUER | SETUP_DEFER_TASKRUN
                    | SETUP_R_DISABLED);
            p.set(JAVA_INT, P_CQ_ENTRIES, 2 * entries);
            rc = LinuxCalls.syscall(LinuxCalls.SYS_IO_URING_SETUP, entries, p.address(), 0, 0, 0, 0);
            params = Arena.ofAuto().allocate(PARAMS_BYTES, 8).copyFrom(p);
        }
        if (rc < 0) {
            throw new IOException("io_uring_setup failed: " + Errno.of((int) -rc));
        }
        int fd = (int) rc;
        MemorySegment sqRing = null;
        MemorySegment cqRing = null;
        try {
            long sqSize = params.get(JAVA_INT, P_SQ_OFF + OFF_ARRAY)
                    + 4L * params.get(JAVA_INT, P_SQ_ENTRIES);
            long cqSize = params.get(JAVA_INT, P_CQ_OFF + OFF_CQES)
                    + (long) CQE_BYTES * params.get(JAVA_INT, P_CQ_ENTRIES);
            boolean single = (params.get(JAVA_INT, P_FEATURES) & FEAT_SINGLE_MMAP) != 0;
            if (single) {
                sqSize = Math.max(sqSize, cqSize);
            }
            sqRing = map(fd, sqSize, MMAP_SQ_RING, "SQ ring");
            cqRing = single ? sqRing : map(fd, cqSize, MMAP_CQ_RING, "CQ ring");
            MemorySegment sqes = map(fd, (long) SQE_BYTES * params.get(JAVA_INT, P_SQ_ENTRIES), MMAP_SQES, "SQEs");
            return new IoUring(fd, params, sqRing, cqRing, sqes);
        } catch (IOException | RuntimeException e) {
            if (cqRing != null && cqRing != sqRing) {
                LinuxCalls.munmap(cqRing);
            }
            if (sqRing != null) {
                LinuxCalls.munmap(sqRing);
            }
            LinuxCalls.close(fd);
            throw e;
        }
    }

    private static MemorySegment map(int fd, long size, long offset, String what) throws IOException {
        MemorySegment mapping = LinuxCalls.mmap(size, LinuxCalls.PROT_READ | LinuxCalls.PROT_WRITE,
                LinuxCalls.MAP_SHARED | LinuxCalls.MAP_POPULATE, fd, offset);
        if (mapping == null) {
            throw new IOException("mmap of the io_uring " + what + " failed: " + Errno.of(Native.lastErrno()));
        }
        return mapping;
    }

    int fd() {
        return fd;
    }

    /** Enables the ring with the calling thread as its only submitter; {@code null} or the errno. */
    Errno enable() {
        long rc = LinuxCalls.syscall(LinuxCalls.SYS_IO_URING_REGISTER, fd, REGISTER_ENABLE_RINGS, 0, 0, 0, 0);
        return rc < 0 ? Errno.of((int) -rc) : null;
    }

    /**
     * The next free SQE, zeroed, or {@code null} when the SQ is full. It goes to the kernel with the next
     * {@link #submitAndWait}.
     */
    MemorySegment nextSqe() {
        int head = (int) INT.getAcquire(sqRing, sqHead);
        if (sqLocalTail - head >= sqEntries) {
            return null;
        }
        MemorySegment sqe = sqes.asSlice((long) (sqLocalTail & sqMask) * SQE_BYTES, SQE_BYTES);
        sqe.fill((byte) 0);
        sqLocalTail++;
        unsubmitted++;
        return sqe;
    }

    /**
     * Publishes the SQEs written since the last call and waits for at least {@code minComplete} completions.
     *
     * @return the number of SQEs the kernel took, or {@code -errno} (EINTR: a signal; call again)
     */
    int submitAndWait(int minComplete) {
        INT.setRelease(sqRing, sqTail, sqLocalTail);
        long rc = LinuxCalls.syscall(LinuxCalls.SYS_IO_URING_ENTER, fd, unsubmitted, minComplete,
                minComplete > 0 ? ENTER_GETEVENTS : 0, 0, 0);
        if (rc > 0) {
            unsubmitted -= (int) rc;
        }
        return (int) rc;
    }

    /** Receives completions, oldest first. */
    interface Completion {
        void complete(long userData, int result);
    }

    /** Hands every available CQE to {@code completion} and frees their slots; returns how many there were. */
    int drain(Completion completion) {
        int head = cqRing.get(JAVA_INT, cqHead);
        int tail = (int) INT.getAcquire(cqRing, cqTail);
        int seen = 0;
        while (head != tail) {
            long at = cqes + (long) (head & cqMask) * CQE_BYTES;
            long userData = cqRing.get(JAVA_LONG, at + CQE_USER_DATA);
            int result = cqRing.get(JAVA_INT, at + CQE_RES);
            head++;
            seen++;
            // Free the slot before handling: the handler's reply queues a new SQE whose completion needs a slot.
            INT.setRelease(cqRing, cqHead, head);
            completion.complete(userData, result);
        }
        return seen;
    }

    /** Unmaps the rings and closes the descriptor; the kernel cancels whatever is still in flight. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LinuxCalls.munmap(sqes);
        if (cqRing != sqRing) {
            LinuxCalls.munmap(cqRing);
        }
        LinuxCalls.munmap(sqRing);
        LinuxCalls.close(fd);
    }
}
