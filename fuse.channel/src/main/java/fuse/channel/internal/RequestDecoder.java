package fuse.channel.internal;

import java.lang.foreign.MemorySegment;

import fuse.api.AttributeChanges;
import fuse.api.TimeSpec;
import fuse.channel.Request;
import fuse.channel.kernel.FuseAccessIn;
import fuse.channel.kernel.FuseBatchForgetIn;
import fuse.channel.kernel.FuseCopyFileRangeIn;
import fuse.channel.kernel.FuseCreateIn;
import fuse.channel.kernel.FuseFallocateIn;
import fuse.channel.kernel.FuseFlushIn;
import fuse.channel.kernel.FuseForgetIn;
import fuse.channel.kernel.FuseForgetOne;
import fuse.channel.kernel.FuseFsyncIn;
import fuse.channel.kernel.FuseGetattrIn;
import fuse.channel.kernel.FuseGetxattrIn;
import fuse.channel.kernel.FuseInHeader;
import fuse.channel.kernel.FuseKernel;
import fuse.channel.kernel.FuseLinkIn;
import fuse.channel.kernel.FuseLseekIn;
import fuse.channel.kernel.FuseMkdirIn;
import fuse.channel.kernel.FuseMknodIn;
import fuse.channel.kernel.FuseOpcode;
import fuse.channel.kernel.FuseOpenIn;
import fuse.channel.kernel.FuseReadIn;
import fuse.channel.kernel.FuseReleaseIn;
import fuse.channel.kernel.FuseRename2In;
import fuse.channel.kernel.FuseRenameIn;
import fuse.channel.kernel.FuseSetattrIn;
import fuse.channel.kernel.FuseSetxattrIn;
import fuse.channel.kernel.FuseWriteIn;

/**
 * Turns the bytes of one request into its {@link Request} record. The caller has checked the length against the
 * opcode table ({@link FuseOpcode#argSize}); this reads the fixed arguments, the NUL-terminated names the table
 * announces, and the variable data whose length a field gives (checked here). Segments in the result are slices
 * of the read buffer: nothing is copied.
 */
final class RequestDecoder {
    private static final long ARGS = FuseInHeader.BYTES;

    private RequestDecoder() {
    }

    /**
     * @param argsEnd where the arguments end: the request length minus its extensions ({@code total_extlen})
     */
    static Request decode(FuseOpcode op, InFlight h, MemorySegment in, long argsEnd, boolean setxattrExt)
            throws MalformedRequest {
        long namesAt = ARGS + op.argSize(setxattrExt);
        String name = null;
        String second = null;
        long after = namesAt;
        if (op.names() >= 1) {
            long nul = nulOrFail(op, in, after, argsEnd);
            name = Utf8.decode(in, after, nul);
            after = nul + 1;
        }
        if (op.names() >= 2) {
            long nul = nulOrFail(op, in, after, argsEnd);
            second = Utf8.decode(in, after, nul);
            after = nul + 1;
        }
        return switch (op) {
            case LOOKUP -> new Request.Lookup(h, name);
            case FORGET -> forget(h, in);
            case BATCH_FORGET -> batchForget(h, in, argsEnd);
            case GETATTR -> getattr(h, in);
            case SETATTR -> setattr(h, in);
            case READLINK -> new Request.ReadLink(h);
            case SYMLINK -> new Request.Symlink(h, name, second);
            case MKNOD -> mknod(h, in, name);
            case MKDIR -> mkdir(h, in, name);
            case UNLINK -> new Request.Unlink(h, name);
            case RMDIR -> new Request.RmDir(h, name);
            case RENAME -> rename(h, in, name, second);
            case RENAME2 -> rename2(h, in, name, second);
            case LINK -> link(h, in, name);
            case OPEN -> open(h, in);
            case READ -> read(h, in);
            case WRITE -> write(h, in, argsEnd);
            case STATFS -> new Request.StatFs(h);
            case RELEASE -> release(h, in);
            case FSYNC -> new Request.Fsync(h, fsyncFh(in), dataOnly(in));
            case SETXATTR -> setxattr(h, in, name, after, argsEnd, setxattrExt);
            case GETXATTR -> new Request.GetXattr(h, name, xattrSize(in));
            case LISTXATTR -> new Request.ListXattr(h, xattrSize(in));
            case REMOVEXATTR -> new Request.RemoveXattr(h, name);
            case FLUSH -> flush(h, in);
            case OPENDIR -> opendir(h, in);
            case READDIR, READDIRPLUS -> readdir(h, in, op == FuseOpcode.READDIRPLUS);
            case RELEASEDIR -> releasedir(h, in);
            case FSYNCDIR -> new Request.FsyncDir(h, fsyncFh(in), dataOnly(in));
            case ACCESS -> access(h, in);
            case CREATE -> create(h, in, name);
            case FALLOCATE -> fallocate(h, in);
            case LSEEK -> lseek(h, in);
            case COPY_FILE_RANGE, COPY_FILE_RANGE_64 -> copyFileRange(h, in);
            default -> throw new IllegalArgumentException(op + " is answered by the channel, not decoded");
        };
    }

    /*
     * One method per request's fixed arguments, not one switch reading them all: every field read through a
     * struct's VarHandle inlines a tree of checks, and with all of them in decode C1 gave up on it ("out of virtual
     * registers in LIR generator"), so decode ran interpreted until C2 compiled it, and again for thousands of
     * requests after each deoptimisation of that C2 code (a request type seen for the first time).
     */

    private static Request forget(InFlight h, MemorySegment in) {
        return new Request.Forget(h, h.nodeId(), (long) FuseForgetIn.NLOOKUP.get(in, ARGS));
    }

    private static Request getattr(InFlight h, MemorySegment in) {
        int flags = (int) FuseGetattrIn.GETATTR_FLAGS.get(in, ARGS);
        return new Request.GetAttr(h, (flags & FuseKernel.GETATTR_FH) != 0 ? (long) FuseGetattrIn.FH.get(in, ARGS)
                : -1);
    }

    private static Request mknod(InFlight h, MemorySegment in, String name) {
        return new Request.MkNod(h, name, (int) FuseMknodIn.MODE.get(in, ARGS), (int) FuseMknodIn.RDEV.get(in, ARGS),
                (int) FuseMknodIn.UMASK.get(in, ARGS));
    }

    private static Request mkdir(InFlight h, MemorySegment in, String name) {
        return new Request.MkDir(h, name, (int) FuseMkdirIn.MODE.get(in, ARGS), (int) FuseMkdirIn.UMASK.get(in, ARGS));
    }

    private static Request rename(InFlight h, MemorySegment in, String name, String newName) {
        return new Request.Rename(h, name, (long) FuseRenameIn.NEWDIR.get(in, ARGS), newName, 0);
    }

    private static Request rename2(InFlight h, MemorySegment in, String name, String newName) {
        return new Request.Rename(h, name, (long) FuseRename2In.NEWDIR.get(in, ARGS), newName,
                (int) FuseRename2In.FLAGS.get(in, ARGS));
    }

    private static Request link(InFlight h, MemorySegment in, String name) {
        return new Request.Link(h, (long) FuseLinkIn.OLDNODEID.get(in, ARGS), name);
    }

    private static Request open(InFlight h, MemorySegment in) {
        return new Request.Open(h, (int) FuseOpenIn.FLAGS.get(in, ARGS),
                ((int) FuseOpenIn.OPEN_FLAGS.get(in, ARGS) & FuseKernel.OPEN_KILL_SUIDGID) != 0);
    }

    private static Request read(InFlight h, MemorySegment in) {
        return new Request.Read(h, (long) FuseReadIn.FH.get(in, ARGS), (long) FuseReadIn.OFFSET.get(in, ARGS),
                (int) FuseReadIn.SIZE.get(in, ARGS), (int) FuseReadIn.FLAGS.get(in, ARGS));
    }

    private static Request release(InFlight h, MemorySegment in) {
        return new Request.Release(h, (long) FuseReleaseIn.FH.get(in, ARGS), (int) FuseReleaseIn.FLAGS.get(in, ARGS),
                ((int) FuseReleaseIn.RELEASE_FLAGS.get(in, ARGS) & FuseKernel.RELEASE_FLUSH) != 0);
    }

    private static long fsyncFh(MemorySegment in) {
        return (long) FuseFsyncIn.FH.get(in, ARGS);
    }

    private static int xattrSize(MemorySegment in) {
        return (int) FuseGetxattrIn.SIZE.get(in, ARGS);
    }

    private static Request flush(InFlight h, MemorySegment in) {
        return new Request.Flush(h, (long) FuseFlushIn.FH.get(in, ARGS), (long) FuseFlushIn.LOCK_OWNER.get(in, ARGS));
    }

    private static Request opendir(InFlight h, MemorySegment in) {
        return new Request.OpenDir(h, (int) FuseOpenIn.FLAGS.get(in, ARGS));
    }

    private static Request readdir(InFlight h, MemorySegment in, boolean plus) {
        return new Request.ReadDir(h, (long) FuseReadIn.FH.get(in, ARGS), (long) FuseReadIn.OFFSET.get(in, ARGS),
                (int) FuseReadIn.SIZE.get(in, ARGS), plus);
    }

    private static Request releasedir(InFlight h, MemorySegment in) {
        return new Request.ReleaseDir(h, (long) FuseReleaseIn.FH.get(in, ARGS));
    }

    private static Request access(InFlight h, MemorySegment in) {
        return new Request.Access(h, (int) FuseAccessIn.MASK.get(in, ARGS));
    }

    private static Request create(InFlight h, MemorySegment in, String name) {
        return new Request.Create(h, name, (int) FuseCreateIn.FLAGS.get(in, ARGS),
                (int) FuseCreateIn.MODE.get(in, ARGS), (int) FuseCreateIn.UMASK.get(in, ARGS),
                ((int) FuseCreateIn.OPEN_FLAGS.get(in, ARGS) & FuseKernel.OPEN_KILL_SUIDGID) != 0);
    }

    private static Request fallocate(InFlight h, MemorySegment in) {
        return new Request.Fallocate(h, (long) FuseFallocateIn.FH.get(in, ARGS),
                (long) FuseFallocateIn.OFFSET.get(in, ARGS), (long) FuseFallocateIn.LENGTH.get(in, ARGS),
                (int) FuseFallocateIn.MODE.get(in, ARGS));
    }

    private static Request lseek(InFlight h, MemorySegment in) {
        return new Request.Lseek(h, (long) FuseLseekIn.FH.get(in, ARGS), (long) FuseLseekIn.OFFSET.get(in, ARGS),
                (int) FuseLseekIn.WHENCE.get(in, ARGS));
    }

    private static Request copyFileRange(InFlight h, MemorySegment in) {
        return new Request.CopyFileRange(h, (long) FuseCopyFileRangeIn.FH_IN.get(in, ARGS),
                (long) FuseCopyFileRangeIn.OFF_IN.get(in, ARGS), (long) FuseCopyFileRangeIn.NODEID_OUT.get(in, ARGS),
                (long) FuseCopyFileRangeIn.FH_OUT.get(in, ARGS), (long) FuseCopyFileRangeIn.OFF_OUT.get(in, ARGS),
                (long) FuseCopyFileRangeIn.LEN.get(in, ARGS), (long) FuseCopyFileRangeIn.FLAGS.get(in, ARGS));
    }

    private static long nulOrFail(FuseOpcode op, MemorySegment in, long from, long end) throws MalformedRequest {
        long nul = Utf8.nul(in, from, end);
        if (nul < 0) {
            throw new MalformedRequest(op + ": name not NUL-terminated within the request");
        }
        return nul;
    }

    private static boolean dataOnly(MemorySegment in) {
        return ((int) FuseFsyncIn.FSYNC_FLAGS.get(in, ARGS) & FuseKernel.FSYNC_FDATASYNC) != 0;
    }

    private static Request batchForget(InFlight h, MemorySegment in, long argsEnd) throws MalformedRequest {
        long count = Integer.toUnsignedLong((int) FuseBatchForgetIn.COUNT.get(in, ARGS));
        long first = ARGS + FuseBatchForgetIn.BYTES;
        if (first + count * FuseForgetOne.BYTES > argsEnd) {
            throw new MalformedRequest("BATCH_FORGET of " + count + " items does not fit the request");
        }
        long[] nodeIds = new long[(int) count];
        long[] counts = new long[(int) count];
        for (int i = 0; i < count; i++) {
            long at = first + (long) i * FuseForgetOne.BYTES;
            nodeIds[i] = (long) FuseForgetOne.NODEID.get(in, at);
            counts[i] = (long) FuseForgetOne.NLOOKUP.get(in, at);
        }
        return new Request.BatchForget(h, nodeIds, counts);
    }

    private static Request write(InFlight h, MemorySegment in, long argsEnd) throws MalformedRequest {
        long size = Integer.toUnsignedLong((int) FuseWriteIn.SIZE.get(in, ARGS));
        long dataAt = ARGS + FuseWriteIn.BYTES;
        if (dataAt + size > argsEnd) {
            throw new MalformedRequest("WRITE of " + size + " bytes does not fit the request");
        }
        int writeFlags = (int) FuseWriteIn.WRITE_FLAGS.get(in, ARGS);
        return new Request.Write(h, (long) FuseWriteIn.FH.get(in, ARGS), (long) FuseWriteIn.OFFSET.get(in, ARGS),
                in.asSlice(dataAt, size), (writeFlags & FuseKernel.WRITE_KILL_SUIDGID) != 0,
                (int) FuseWriteIn.FLAGS.get(in, ARGS));
    }

    /** {@code setxattr_flags} exists only with SETXATTR_EXT (the compat struct ends before it). */
    private static Request setxattr(InFlight h, MemorySegment in, String name, long valueAt, long argsEnd,
            boolean setxattrExt) throws MalformedRequest {
        long size = Integer.toUnsignedLong((int) FuseSetxattrIn.SIZE.get(in, ARGS));
        if (valueAt + size > argsEnd) {
            throw new MalformedRequest("SETXATTR value of " + size + " bytes does not fit the request");
        }
        int extFlags = setxattrExt ? (int) FuseSetxattrIn.SETXATTR_FLAGS.get(in, ARGS) : 0;
        return new Request.SetXattr(h, name, in.asSlice(valueAt, size), (int) FuseSetxattrIn.FLAGS.get(in, ARGS),
                (extFlags & FuseKernel.SETXATTR_ACL_KILL_SGID) != 0);
    }

    private static Request setattr(InFlight h, MemorySegment in) {
        int valid = (int) FuseSetattrIn.VALID.get(in, ARGS);
        long fh = has(valid, FuseKernel.FATTR_FH) ? (long) FuseSetattrIn.FH.get(in, ARGS) : -1;
        AttributeChanges changes = new AttributeChanges(
                has(valid, FuseKernel.FATTR_MODE) ? (Integer) (int) FuseSetattrIn.MODE.get(in, ARGS) : null,
                has(valid, FuseKernel.FATTR_UID) ? (Integer) (int) FuseSetattrIn.UID.get(in, ARGS) : null,
                has(valid, FuseKernel.FATTR_GID) ? (Integer) (int) FuseSetattrIn.GID.get(in, ARGS) : null,
                has(valid, FuseKernel.FATTR_SIZE) ? (Long) (long) FuseSetattrIn.SIZE.get(in, ARGS) : null,
                time(valid, FuseKernel.FATTR_ATIME, FuseKernel.FATTR_ATIME_NOW,
                        (long) FuseSetattrIn.ATIME.get(in, ARGS), (int) FuseSetattrIn.ATIMENSEC.get(in, ARGS)),
                time(valid, FuseKernel.FATTR_MTIME, FuseKernel.FATTR_MTIME_NOW,
                        (long) FuseSetattrIn.MTIME.get(in, ARGS), (int) FuseSetattrIn.MTIMENSEC.get(in, ARGS)),
                time(valid, FuseKernel.FATTR_CTIME, 0,
                        (long) FuseSetattrIn.CTIME.get(in, ARGS), (int) FuseSetattrIn.CTIMENSEC.get(in, ARGS)),
                has(valid, FuseKernel.FATTR_KILL_SUIDGID));
        return new Request.SetAttr(h, fh, changes);
    }

    /** The kernel sets FATTR_ATIME together with FATTR_ATIME_NOW for {@code UTIME_NOW}; NOW wins. */
    private static TimeSpec time(int valid, int setBit, int nowBit, long seconds, int nanos) {
        if (nowBit != 0 && has(valid, nowBit)) {
            return TimeSpec.NOW;
        }
        return has(valid, setBit) ? new TimeSpec(seconds, nanos) : null;
    }

    private static boolean has(int valid, int bit) {
        return (valid & bit) != 0;
    }
}
