package fuse.channel.internal;

import java.lang.foreign.MemorySegment;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.Attributes;
import fuse.api.Errno;
import fuse.api.FileSystemStats;
import fuse.channel.DirectoryReply;
import fuse.channel.EntryOut;
import fuse.channel.Reply;
import fuse.channel.kernel.FuseAttrOut;
import fuse.channel.kernel.FuseCopyFileRangeOut;
import fuse.channel.kernel.FuseEntryOut;
import fuse.channel.kernel.FuseGetxattrOut;
import fuse.channel.kernel.FuseLseekOut;
import fuse.channel.kernel.FuseOpcode;
import fuse.channel.kernel.FuseOpenOut;
import fuse.channel.kernel.FuseOutHeader;
import fuse.channel.kernel.FuseStatfsOut;
import fuse.channel.kernel.FuseWriteOut;
import fuse.channel.kernel.ReplyKind;

/**
 * A reader thread's reply, reused for each of its requests. Encodes straight into the thread's write buffer (out
 * header, then the payload) and sends with one write on the descriptor the request came from. Each sending method
 * first checks that the request is still open, not answered yet, and expects this kind of reply; a violation throws
 * {@link IllegalStateException} to the handler without consuming the request's one reply.
 */
final class KernelReply implements Reply {
    private static final Logger LOG = LoggerFactory.getLogger(KernelReply.class);
    static final int PAYLOAD = FuseOutHeader.BYTES;
    private static final long MAX_U32 = 0xFFFF_FFFFL;

    private final MemorySegment out;
    private final Transport transport;
    private final DirectoryEncoder directory;

    private long unique;
    private FuseOpcode opcode;
    /** The size the kernel asked for (READ, READDIR, GETXATTR, LISTXATTR), else -1. */
    private int limit;
    private boolean open;
    private boolean sent;

    KernelReply(MemorySegment out, Transport transport) {
        this.out = out;
        this.transport = transport;
        this.directory = new DirectoryEncoder(this, out);
    }

    void begin(long requestUnique, FuseOpcode requestOpcode, int requestLimit) {
        this.unique = requestUnique;
        this.opcode = requestOpcode;
        this.limit = requestLimit;
        this.open = true;
        this.sent = false;
    }

    boolean sent() {
        return sent;
    }

    void end() {
        open = false;
    }

    /** The largest payload the write buffer holds. */
    int capacity() {
        return (int) out.byteSize() - PAYLOAD;
    }

    // ---- Reply

    @Override
    public boolean error(Errno errno) {
        check(null);
        int code = errno.code();
        return send(-code, 0);
    }

    @Override
    public boolean ok() {
        check(ReplyKind.EMPTY);
        return send(0, 0);
    }

    @Override
    public boolean entry(EntryOut entry) {
        check(ReplyKind.ENTRY);
        Encoders.entryOut(out, PAYLOAD, entry);
        return send(0, FuseEntryOut.BYTES);
    }

    @Override
    public boolean attributes(Attributes attributes, long validNanos) {
        check(ReplyKind.ATTR);
        Encoders.attrOut(out, PAYLOAD, attributes, validNanos);
        return send(0, FuseAttrOut.BYTES);
    }

    @Override
    public boolean open(long fh, int openFlags, int backingId) {
        check(ReplyKind.OPEN);
        openOut(PAYLOAD, fh, openFlags, backingId);
        return send(0, FuseOpenOut.BYTES);
    }

    @Override
    public boolean create(EntryOut entry, long fh, int openFlags, int backingId) {
        check(ReplyKind.CREATE);
        Encoders.entryOut(out, PAYLOAD, entry);
        openOut(PAYLOAD + FuseEntryOut.BYTES, fh, openFlags, backingId);
        return send(0, FuseEntryOut.BYTES + FuseOpenOut.BYTES);
    }

    private void openOut(long at, long fh, int openFlags, int backingId) {
        FuseOpenOut.FH.set(out, at, fh);
        FuseOpenOut.OPEN_FLAGS.set(out, at, openFlags);
        FuseOpenOut.BACKING_ID.set(out, at, (openFlags & FOPEN_PASSTHROUGH) != 0 ? backingId : 0);
    }

    @Override
    public boolean written(long size) {
        check(ReplyKind.WRITTEN);
        if (size < 0) {
            throw new IllegalArgumentException("negative size written: " + size);
        }
        if (opcode == FuseOpcode.COPY_FILE_RANGE_64) {
            FuseCopyFileRangeOut.BYTES_COPIED.set(out, (long) PAYLOAD, size);
            return send(0, FuseCopyFileRangeOut.BYTES);
        }
        if (size > MAX_U32) {
            throw new IllegalArgumentException(opcode + " reply size does not fit 32 bits: " + size);
        }
        FuseWriteOut.SIZE.set(out, (long) PAYLOAD, (int) size);
        FuseWriteOut.PADDING.set(out, (long) PAYLOAD, 0);
        return send(0, FuseWriteOut.BYTES);
    }

    @Override
    public boolean statfs(FileSystemStats stats) {
        check(ReplyKind.STATFS);
        Encoders.statfs(out, PAYLOAD + FuseStatfsOut.ST, stats);
        return send(0, FuseStatfsOut.BYTES);
    }

    @Override
    public boolean readlink(String target) {
        check(ReplyKind.LINK);
        int length = Utf8.length(target);
        if (length == 0 || length > capacity()) {
            throw new IllegalArgumentException("link target of " + length + " bytes");
        }
        Utf8.encode(target, out, PAYLOAD);
        return send(0, length);
    }

    @Override
    public boolean xattrSize(int size) {
        check(ReplyKind.XATTR);
        FuseGetxattrOut.SIZE.set(out, (long) PAYLOAD, size);
        FuseGetxattrOut.PADDING.set(out, (long) PAYLOAD, 0);
        return send(0, FuseGetxattrOut.BYTES);
    }

    @Override
    public boolean lseek(long offset) {
        check(ReplyKind.LSEEK);
        FuseLseekOut.OFFSET.set(out, (long) PAYLOAD, offset);
        return send(0, FuseLseekOut.BYTES);
    }

    @Override
    public MemorySegment dataBuffer(int size) {
        checkData();
        checkDataLength(size);
        return out.asSlice(PAYLOAD, size);
    }

    @Override
    public boolean data(int length) {
        checkData();
        checkDataLength(length);
        return send(0, length);
    }

    /** READ, READLINK, GETXATTR and LISTXATTR all answer with plain data. */
    private void checkData() {
        check(null);
        ReplyKind kind = opcode.reply();
        if (kind != ReplyKind.DATA && kind != ReplyKind.LINK && kind != ReplyKind.XATTR) {
            throw new IllegalStateException(opcode + " expects a " + kind + " reply, not data");
        }
    }

    private void checkDataLength(int length) {
        int max = limit >= 0 ? Math.min(limit, capacity()) : capacity();
        if (length < 0 || length > max) {
            throw new IllegalArgumentException(opcode + " data of " + length + " bytes; at most " + max + " fit");
        }
    }

    @Override
    public DirectoryReply directory() {
        check(ReplyKind.DIRECTORY);
        directory.begin(opcode == FuseOpcode.READDIRPLUS, Math.min(Math.max(limit, 0), capacity()));
        return directory;
    }

    /** {@link DirectoryEncoder#send()}: the entries are already in place after the out header. */
    boolean sendDirectory(int length) {
        check(ReplyKind.DIRECTORY);
        return send(0, length);
    }

    // ---- for the channel's own answers (INIT, INTERRUPT, DESTROY, ENOSYS, EIO)

    /** The write buffer's payload area, for the channel's own replies. */
    MemorySegment payload() {
        return out;
    }

    /** Sends without the kind check: the channel answering INIT, DESTROY, INTERRUPT or a malformed request. */
    boolean sendRaw(int error, int payloadLength) {
        if (!open || sent) {
            throw new IllegalStateException("channel reply outside its request");
        }
        return send(error, payloadLength);
    }

    private void check(ReplyKind kind) {
        if (!open) {
            throw new IllegalStateException("this reply's request is over: a Reply is only valid inside handle()");
        }
        if (sent) {
            throw new IllegalStateException(opcode + " request " + unique + " was already answered");
        }
        if (opcode.noReply()) {
            throw new IllegalStateException(opcode + " takes no reply");
        }
        if (kind != null && opcode.reply() != kind) {
            throw new IllegalStateException(opcode + " expects a " + opcode.reply() + " reply, not " + kind);
        }
    }

    private boolean send(int error, int payloadLength) {
        sent = true;
        int length = PAYLOAD + payloadLength;
        FuseOutHeader.LEN.set(out, 0L, length);
        FuseOutHeader.ERROR.set(out, 0L, error);
        FuseOutHeader.UNIQUE.set(out, 0L, unique);
        int errno = transport.write(out, length);
        if (errno == 0) {
            return true;
        }
        if (errno == Errno.ENOENT.code()) {
            LOG.debug("{} request {} is gone (interrupted and abandoned): reply dropped", opcode, unique);
        } else if (errno == Errno.ENODEV.code() || errno == Errno.ECONNABORTED.code()) {
            LOG.debug("connection gone: reply to {} request {} dropped", opcode, unique);
        } else {
            LOG.warn("the kernel refused the reply to {} request {} ({} bytes, error {}): {}", opcode, unique, length,
                    error, Errno.of(errno));
        }
        return false;
    }
}
