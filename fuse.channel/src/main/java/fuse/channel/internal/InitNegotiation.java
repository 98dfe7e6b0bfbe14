package fuse.channel.internal;

import static fuse.channel.InitResult.ASYNC_DIO;
import static fuse.channel.InitResult.ASYNC_READ;
import static fuse.channel.InitResult.ATOMIC_O_TRUNC;
import static fuse.channel.InitResult.AUTO_INVAL_DATA;
import static fuse.channel.InitResult.BIG_WRITES;
import static fuse.channel.InitResult.CACHE_SYMLINKS;
import static fuse.channel.InitResult.DIRECT_IO_ALLOW_MMAP;
import static fuse.channel.InitResult.DONT_MASK;
import static fuse.channel.InitResult.DO_READDIRPLUS;
import static fuse.channel.InitResult.EXPORT_SUPPORT;
import static fuse.channel.InitResult.HANDLE_KILLPRIV_V2;
import static fuse.channel.InitResult.HAS_EXPIRE_ONLY;
import static fuse.channel.InitResult.INIT_EXT;
import static fuse.channel.InitResult.MAX_PAGES;
import static fuse.channel.InitResult.OVER_IO_URING;
import static fuse.channel.InitResult.PARALLEL_DIROPS;
import static fuse.channel.InitResult.PASSTHROUGH;
import static fuse.channel.InitResult.POSIX_ACL;
import static fuse.channel.InitResult.READDIRPLUS_AUTO;
import static fuse.channel.InitResult.SETXATTR_EXT;
import static fuse.channel.InitResult.WRITEBACK_CACHE;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import fuse.channel.InitResult;
import fuse.channel.MountOptions;
import fuse.channel.kernel.FuseInitOut;
import fuse.channel.kernel.FuseKernel;

/**
 * What this channel asks for at INIT, and the {@code fuse_init_out} that says so.
 *
 * <p>WRITEBACK_CACHE only when the mount asks for it ({@link MountOptions#writebackCache()}, which excludes
 * passthrough: the kernel turns passthrough off for the whole connection with it). It is a trade, not a default:
 * the kernel keeps size and mtime itself and no longer drops cached pages when the host changes a file, so such
 * changes stay unseen while the file's pages are cached. In exchange small writes land in the page cache and
 * reach the server later as whole pages: random 4 KiB writes were measured 4-8 times faster (fio, 2 cores:
 * 110-146k against 15-40k IOPS), sequential 1 MiB writes about the same. Every close then sends FLUSH again
 * (the kernel writes the dirty pages back first and ignores FOPEN_NOFLUSH with the writeback cache).
 *
 * <p>Deliberately absent: POSIX_LOCKS and FLOCK_LOCKS (without them the kernel keeps locks local, which is
 * right for one server per mount), the SPLICE flags (a copy into the reply buffer is cheaper than a pipe per
 * thread at these sizes: on a cold sequential read the server spends most of its CPU in pread's copy out of
 * freshly read pages, a copy splice would only move into the kernel, and about 2 % in the writev copy it would
 * save),
 * SECURITY_CTX, CREATE_SUPP_GROUP, HAS_RESEND and REQUEST_TIMEOUT (no handler supports them yet).
 *
 * <p>POSIX_ACL with DONT_MASK only for a mount with {@code default_permissions}: the kernel evaluates ACLs only
 * in its own permission checks (fs/fuse/acl.c, {@code fuse_get_inode_acl}), and POSIX_ACL forces
 * {@code default_permissions} on (process_init_reply), so a mount whose server does the checks must not ask for it.
 * With it the superblock is SB_POSIXACL, the VFS leaves the umask alone, and DONT_MASK keeps fs/fuse/dir.c from
 * applying it either: the server gets the caller's full mode and umask, and applies the umask only where the
 * parent has no default ACL (whose inheritance replaces it), as a local file system's {@code posix_acl_create}
 * does. Without DONT_MASK the kernel would mask the mode first and a default ACL's mask would lose what the
 * umask took.
 *
 * <p>AUTO_INVAL_DATA is asked for because Java-served files keep their page cache across opens
 * ({@code FOPEN_KEEP_CACHE}): with it the kernel drops a file's cached pages when a refreshed attribute (GETATTR
 * after {@code attr_timeout}, or a LOOKUP/READDIRPLUS entry) shows a new mtime, so a change made on the host,
 * outside the mount, is read after at most {@code attr_timeout}; without it only a size change would drop them
 * (fs/fuse/inode.c, fuse_change_attributes_i). It costs passthrough nothing: a passthrough inode has no pages in
 * its own mapping (reads, writes and mmap use the backing file's, and a passthrough open invalidates the
 * mapping, fs/fuse/file.c fuse_open), so the invalidation finds nothing to drop; and the extra attribute check
 * on each read is in the cached read path only (fuse_cache_read_iter), which passthrough reads never take.
 */
final class InitNegotiation {
    static final long WANTED = ASYNC_READ | ATOMIC_O_TRUNC | EXPORT_SUPPORT | BIG_WRITES | AUTO_INVAL_DATA
            | DO_READDIRPLUS | READDIRPLUS_AUTO | PARALLEL_DIROPS | HANDLE_KILLPRIV_V2 | SETXATTR_EXT | MAX_PAGES
            | CACHE_SYMLINKS | ASYNC_DIO | HAS_EXPIRE_ONLY | DIRECT_IO_ALLOW_MMAP | INIT_EXT;

    private static final Path MAX_PAGES_LIMIT = Path.of("/proc/sys/fs/fuse/max_pages_limit");
    /** The kernel's default max_pages_limit (1 MiB of 4 KiB pages). */
    static final int DEFAULT_MAX_PAGES_LIMIT = 256;
    /** The kernel's own default is 12; more lets readahead and async direct I/O keep several readers busy. */
    private static final int MIN_MAX_BACKGROUND = 12;
    private static final int FILESYSTEM_MAX_STACK_DEPTH = 2;

    private final MountOptions options;
    private final int maxPagesLimit;
    /** Ask for FUSE_OVER_IO_URING: only when the ring queues are ready to register (the kernel then waits for them). */
    private final boolean uring;

    InitNegotiation(MountOptions options, int maxPagesLimit) {
        this(options, maxPagesLimit, false);
    }

    InitNegotiation(MountOptions options, int maxPagesLimit, boolean uring) {
        this.options = options;
        this.maxPagesLimit = maxPagesLimit;
        this.uring = uring;
    }

    /** Reads the kernel's cap on max_pages; the default when it cannot be read. */
    static int readMaxPagesLimit() {
        try {
            int limit = Integer.parseInt(KernelFiles.read(MAX_PAGES_LIMIT));
            return limit > 0 ? limit : DEFAULT_MAX_PAGES_LIMIT;
        } catch (IOException | NumberFormatException e) {
            return DEFAULT_MAX_PAGES_LIMIT;
        }
    }

    /**
     * The settings in force for a kernel that offered {@code kernelFlags} at {@code major.minor}.
     *
     * @throws IllegalArgumentException for a protocol this channel cannot speak (major other than 7, or a minor
     *         older than {@link FuseKernel#MIN_KERNEL_MINOR_VERSION})
     */
    InitResult negotiate(int major, int minor, int maxReadahead, long kernelFlags) {
        if (major != FuseKernel.KERNEL_VERSION || minor < FuseKernel.MIN_KERNEL_MINOR_VERSION) {
            throw new IllegalArgumentException("the kernel speaks FUSE " + major + "." + minor + "; this channel needs "
                    + FuseKernel.KERNEL_VERSION + "." + FuseKernel.MIN_KERNEL_MINOR_VERSION + " or newer");
        }
        long wanted = WANTED | (options.passthrough() ? PASSTHROUGH : 0)
                | (options.writebackCache() ? WRITEBACK_CACHE : 0) | (uring ? OVER_IO_URING : 0)
                | (options.defaultPermissions() ? POSIX_ACL | DONT_MASK : 0);
        long flags = kernelFlags & wanted;
        if ((flags & POSIX_ACL) == 0) {
            // DONT_MASK belongs to ACL inheritance: without ACLs the kernel applies the umask, as before.
            flags &= ~DONT_MASK;
        }
        if ((flags & INIT_EXT) == 0) {
            // Without INIT_EXT the kernel ignores flags2: do not claim what it will not see.
            flags &= 0xFFFF_FFFFL;
        }
        int maxPages = Math.min(Math.max(1, KernelPage.roundUp(options.maxWrite()) / KernelPage.SIZE), maxPagesLimit);
        int maxWrite = Math.min(options.maxWrite(), maxPages * KernelPage.SIZE);
        int maxBackground = Math.max(MIN_MAX_BACKGROUND, 4 * options.threads());
        int congestion = maxBackground * 3 / 4;
        boolean askPassthrough = (flags & PASSTHROUGH) != 0;
        int depth = askPassthrough ? options.maxStackDepth() : 0;
        boolean passthrough = askPassthrough && depth >= 1 && depth <= FILESYSTEM_MAX_STACK_DEPTH
                && (flags & WRITEBACK_CACHE) == 0;
        return new InitResult(major, minor, Math.min(minor, FuseKernel.KERNEL_MINOR_VERSION), kernelFlags, flags,
                maxWrite, maxPages, maxReadahead, maxBackground, congestion, 1, depth, passthrough);
    }

    /** Writes the full 64-byte {@code fuse_init_out} for {@code init} at {@code at}. */
    static void encode(MemorySegment s, long at, InitResult init) {
        s.asSlice(at, FuseInitOut.BYTES).fill((byte) 0);
        FuseInitOut.MAJOR.set(s, at, FuseKernel.KERNEL_VERSION);
        FuseInitOut.MINOR.set(s, at, init.minor());
        FuseInitOut.MAX_READAHEAD.set(s, at, init.maxReadahead());
        FuseInitOut.FLAGS.set(s, at, (int) init.flags());
        FuseInitOut.MAX_BACKGROUND.set(s, at, (short) init.maxBackground());
        FuseInitOut.CONGESTION_THRESHOLD.set(s, at, (short) init.congestionThreshold());
        FuseInitOut.MAX_WRITE.set(s, at, init.maxWrite());
        FuseInitOut.TIME_GRAN.set(s, at, init.timeGranularity());
        FuseInitOut.MAX_PAGES.set(s, at, (short) init.maxPages());
        FuseInitOut.FLAGS2.set(s, at, (int) (init.flags() >>> 32));
        FuseInitOut.MAX_STACK_DEPTH.set(s, at, init.maxStackDepth());
    }

    /** The answer to a kernel newer than major 7: our version only, and the kernel retries INIT with 7. */
    static void encodeVersionOnly(MemorySegment s, long at) {
        s.asSlice(at, FuseInitOut.BYTES).fill((byte) 0);
        FuseInitOut.MAJOR.set(s, at, FuseKernel.KERNEL_VERSION);
        FuseInitOut.MINOR.set(s, at, FuseKernel.KERNEL_MINOR_VERSION);
    }
}
