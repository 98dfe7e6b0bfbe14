package fuse.posix.nodes;

import java.lang.foreign.MemorySegment;

import org.osgi.annotation.versioning.ConsumerType;

import fuse.api.Caller;
import fuse.api.DirectoryFiller;
import fuse.api.Errno;
import fuse.api.FileSystem;
import fuse.api.FuseException;
import fuse.api.Handle;
import fuse.api.Node;

/**
 * The operations on open files and directories of a {@link FileSystem} whose open files are {@link HostFile}s and
 * open directories {@link HostDirectory}s, each the host's own system call on the descriptor. A backend that
 * mirrors host files implements this instead of {@link FileSystem} and overrides only what it does differently.
 */
@ConsumerType
public interface HostFileOperations extends FileSystem {

    /**
     * The open file behind {@code handle}.
     *
     * @throws FuseException EBADF for a handle that is no {@link HostFile} (a stale one of another backend)
     */
    default HostFile hostFile(Handle handle) throws FuseException {
        if (handle instanceof HostFile file) {
            return file;
        }
        throw new FuseException(Errno.EBADF, "not an open host file: " + handle);
    }

    @Override
    default int read(Caller caller, Handle handle, long offset, MemorySegment buffer) throws FuseException {
        return hostFile(handle).read(offset, buffer);
    }

    @Override
    default int write(Caller caller, Handle handle, long offset, MemorySegment data, boolean killPrivileges)
            throws FuseException {
        return hostFile(handle).write(offset, data, killPrivileges);
    }

    /** {@link HostFile#flush}; opens on file systems without a close-time hook need none ({@code HostFlush}). */
    @Override
    default void flush(Caller caller, Handle handle) throws FuseException {
        hostFile(handle).flush();
    }

    @Override
    default void fsync(Caller caller, Handle handle, boolean dataOnly) throws FuseException {
        hostFile(handle).fsync(dataOnly);
    }

    /** Closes the file's descriptor. */
    @Override
    default void release(Handle handle) {
        if (handle instanceof HostFile file) {
            file.close();
        }
    }

    @Override
    default void fallocate(Caller caller, Handle handle, int mode, long offset, long length) throws FuseException {
        hostFile(handle).fallocate(mode, offset, length);
    }

    @Override
    default long lseek(Caller caller, Handle handle, long offset, int whence) throws FuseException {
        return hostFile(handle).seek(offset, whence);
    }

    /** {@link HostFile#copyTo} between two open files of this file system. */
    @Override
    default long copyFileRange(Caller caller, Handle in, long inOffset, Handle out, long outOffset, long length,
            int flags) throws FuseException {
        return hostFile(in).copyTo(inOffset, hostFile(out), outOffset, length, flags);
    }

    /** {@link HostDirectory#list}; EBADF for a handle that is no {@link HostDirectory}. */
    @Override
    default void readdir(Caller caller, Node node, Handle handle, long offset, DirectoryFiller filler)
            throws FuseException {
        hostDirectory(handle).list(offset, filler);
    }

    @Override
    default void fsyncdir(Caller caller, Handle handle, boolean dataOnly) throws FuseException {
        hostDirectory(handle).fsync(dataOnly);
    }

    /** Closes the directory's descriptor. */
    @Override
    default void releasedir(Handle handle) {
        if (handle instanceof HostDirectory directory) {
            directory.close();
        }
    }

    private static HostDirectory hostDirectory(Handle handle) throws FuseException {
        if (handle instanceof HostDirectory directory) {
            return directory;
        }
        throw new FuseException(Errno.EBADF, "not an open host directory: " + handle);
    }
}
