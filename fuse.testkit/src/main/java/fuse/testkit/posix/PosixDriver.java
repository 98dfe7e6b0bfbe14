package fuse.testkit.posix;

import java.util.List;

import fuse.api.Attributes;
import fuse.api.FileSystemStats;
import fuse.api.FileType;
import fuse.api.FuseException;
import fuse.api.TimeSpec;

/**
 * The file operations the POSIX scenarios need, on paths relative to a test directory ({@code "a/b"}), failing
 * with the errno a system call would give ({@link FuseException#errno()}).
 *
 * <p>Two implementations: {@link PathDriver} makes real system calls on a directory (the host's own file system,
 * or a FUSE mountpoint), {@link SpiDriver} calls a backend's {@link fuse.api.FileSystem} directly, as the mount
 * would. Running the same {@link PosixScenarios} through both proves the backend answers like the kernel's own
 * file systems, and later, through a mount, that the whole stack does.
 *
 * <p>Scenarios do not put symlinks in the middle of a path: the SPI driver resolves components without following
 * them (the kernel would).
 */
public interface PosixDriver {
    /** lstat(2). */
    Attributes lstat(String path) throws FuseException;

    void mkdir(String path, int mode) throws FuseException;

    void mknod(String path, int mode, long rdev) throws FuseException;

    void symlink(String target, String path) throws FuseException;

    String readlink(String path) throws FuseException;

    void link(String existing, String path) throws FuseException;

    void unlink(String path) throws FuseException;

    void rmdir(String path) throws FuseException;

    void rename(String from, String to, int flags) throws FuseException;

    void chmod(String path, int mode) throws FuseException;

    /** -1 leaves the id unchanged. */
    void chown(String path, int uid, int gid) throws FuseException;

    /** {@code null} leaves the time unchanged (UTIME_OMIT); {@link TimeSpec#NOW} is UTIME_NOW. */
    void utimens(String path, TimeSpec atime, TimeSpec mtime) throws FuseException;

    void truncate(String path, long size) throws FuseException;

    /** open(2), with O_CREAT creating. */
    OpenFile open(String path, int flags, int mode) throws FuseException;

    /**
     * Up to {@code max} entries of the directory from {@code offset} (0 = start; else an entry's
     * {@link DirEntry#nextOffset()}), "." and ".." included as the file system lists them.
     */
    List<DirEntry> list(String path, long offset, int max) throws FuseException;

    void setxattr(String path, String name, byte[] value, int flags) throws FuseException;

    byte[] getxattr(String path, String name) throws FuseException;

    List<String> listxattr(String path) throws FuseException;

    void removexattr(String path, String name) throws FuseException;

    FileSystemStats statfs(String path) throws FuseException;

    void access(String path, int mask) throws FuseException;

    /** This driver acting as another caller (file system uid and gid); needs a root server to switch. */
    PosixDriver as(int uid, int gid);

    /** An open file. */
    interface OpenFile extends AutoCloseable {
        int read(long offset, byte[] into) throws FuseException;

        int write(long offset, byte[] data) throws FuseException;

        Attributes stat() throws FuseException;

        void fsync(boolean dataOnly) throws FuseException;

        void fallocate(int mode, long offset, long length) throws FuseException;

        /** SEEK_DATA / SEEK_HOLE. */
        long seek(long offset, int whence) throws FuseException;

        long copyTo(long offset, OpenFile out, long outOffset, long length) throws FuseException;

        @Override
        void close();
    }

    record DirEntry(String name, long inode, FileType type, long nextOffset) {
    }
}
