package fuse.channel;

import java.lang.foreign.MemorySegment;

import org.osgi.annotation.versioning.ProviderType;

import fuse.api.Attributes;
import fuse.api.Errno;
import fuse.api.FileSystemStats;

/**
 * The one reply to one request. Exactly one method that sends is called per request (FORGET and BATCH_FORGET
 * take none); if the handler returns or throws without replying, the channel answers {@code EIO} and logs a
 * warning. Each sending method returns whether the kernel took the reply: {@code false} when the request no
 * longer exists there (it was interrupted and abandoned, or the connection is gone), which matters for replies
 * that hand over resources (an open with a backing id must then be undone by the caller). On io_uring
 * ({@link ChannelTransport#URING}) a reply counts as taken once its commit is queued: the kernel reports a refusal
 * only with the ring entry's next completion, and refuses only after an abort, which ends the session anyway.
 */
@ProviderType
public interface Reply {
    /** {@code FOPEN_*} flags for {@link #open} and {@link #create}. */
    int FOPEN_DIRECT_IO = 0x1;
    int FOPEN_KEEP_CACHE = 0x2;
    int FOPEN_NONSEEKABLE = 0x4;
    int FOPEN_CACHE_DIR = 0x8;
    int FOPEN_STREAM = 0x10;
    int FOPEN_NOFLUSH = 0x20;
    int FOPEN_PARALLEL_DIRECT_WRITES = 0x40;
    int FOPEN_PASSTHROUGH = 0x80;

    boolean error(Errno errno);

    /** An empty success (unlink, rmdir, rename, release, flush, fsync, setxattr, access…). */
    boolean ok();

    boolean entry(EntryOut entry);

    boolean attributes(Attributes attributes, long validNanos);

    /** @param backingId the passthrough backing id when {@code openFlags} has FOPEN_PASSTHROUGH, else 0 */
    boolean open(long fh, int openFlags, int backingId);

    boolean create(EntryOut entry, long fh, int openFlags, int backingId);

    /** WRITE and COPY_FILE_RANGE: the number of bytes written. */
    boolean written(long size);

    boolean statfs(FileSystemStats stats);

    boolean readlink(String target);

    /** GETXATTR/LISTXATTR with size 0: the size the value or list needs. */
    boolean xattrSize(int size);

    boolean lseek(long offset);

    /**
     * The reply buffer's data area, {@code size} bytes, for READ, GETXATTR and LISTXATTR: fill it, then call
     * {@link #data(int)} with the number of bytes filled. No copy: the bytes go to the kernel from here.
     */
    MemorySegment dataBuffer(int size);

    /** Sends the first {@code length} bytes of {@link #dataBuffer}. */
    boolean data(int length);

    /** Starts a READDIR/READDIRPLUS reply sized to the request. */
    DirectoryReply directory();
}
