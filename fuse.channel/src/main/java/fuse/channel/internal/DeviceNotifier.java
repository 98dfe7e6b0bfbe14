package fuse.channel.internal;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.IntSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.Errno;
import fuse.channel.Notifier;
import fuse.channel.kernel.FuseKernel;
import fuse.channel.kernel.FuseNotifyDeleteOut;
import fuse.channel.kernel.FuseNotifyInvalEntryOut;
import fuse.channel.kernel.FuseNotifyInvalInodeOut;
import fuse.channel.kernel.FuseOutHeader;

/**
 * Notifications: an out header with {@code unique} 0 and the notify code in {@code error}, then the code's
 * struct, written with one writev to the session's descriptor. Serialized: one message buffer for the session.
 */
final class DeviceNotifier implements Notifier {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceNotifier.class);
    private static final long BODY = FuseOutHeader.BYTES;

    private final SessionDevice device;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment message;
    private final DeviceTransport transport;
    /** The protocol minor in force, 0 before INIT. */
    private final IntSupplier protocolMinor;
    private boolean closed;

    DeviceNotifier(SessionDevice device, IntSupplier protocolMinor) {
        this.device = device;
        this.protocolMinor = protocolMinor;
        this.message = arena.allocate(BODY + FuseNotifyDeleteOut.BYTES + FuseKernel.NAME_MAX + 8, 8);
        this.transport = new DeviceTransport(device.fd(), arena);
    }

    @Override
    public synchronized boolean invalidateInode(long nodeId, long offset, long length) {
        if (closed) {
            return false;
        }
        FuseNotifyInvalInodeOut.INO.set(message, BODY, nodeId);
        FuseNotifyInvalInodeOut.OFF.set(message, BODY, offset);
        FuseNotifyInvalInodeOut.LEN.set(message, BODY, length);
        return send(FuseKernel.NOTIFY_INVAL_INODE, FuseNotifyInvalInodeOut.BYTES, "inval_inode " + nodeId);
    }

    @Override
    public synchronized boolean invalidateEntry(long parentNodeId, String name) {
        if (closed) {
            return false;
        }
        int nameLength = checkedLength(name);
        FuseNotifyInvalEntryOut.PARENT.set(message, BODY, parentNodeId);
        FuseNotifyInvalEntryOut.NAMELEN.set(message, BODY, nameLength);
        FuseNotifyInvalEntryOut.FLAGS.set(message, BODY, 0);
        int size = FuseNotifyInvalEntryOut.BYTES + name(name, BODY + FuseNotifyInvalEntryOut.BYTES);
        return send(FuseKernel.NOTIFY_INVAL_ENTRY, size, "inval_entry " + parentNodeId + "/" + name);
    }

    @Override
    public synchronized boolean delete(long parentNodeId, long childNodeId, String name) {
        if (closed) {
            return false;
        }
        int nameLength = checkedLength(name);
        FuseNotifyDeleteOut.PARENT.set(message, BODY, parentNodeId);
        FuseNotifyDeleteOut.CHILD.set(message, BODY, childNodeId);
        FuseNotifyDeleteOut.NAMELEN.set(message, BODY, nameLength);
        FuseNotifyDeleteOut.PADDING.set(message, BODY, 0);
        int size = FuseNotifyDeleteOut.BYTES + name(name, BODY + FuseNotifyDeleteOut.BYTES);
        return send(FuseKernel.NOTIFY_DELETE, size, "delete " + parentNodeId + "/" + name);
    }

    @Override
    public synchronized boolean invalidateAllEntries() {
        if (closed || protocolMinor.getAsInt() < FuseKernel.NOTIFY_INC_EPOCH_MINOR) {
            return false;
        }
        return send(FuseKernel.NOTIFY_INC_EPOCH, 0, "inc_epoch");
    }

    /** The name and its NUL, which the kernel requires after the struct. */
    private int name(String name, long at) {
        int length = Utf8.encode(name, message, at);
        message.set(JAVA_BYTE, at + length, (byte) 0);
        return length + 1;
    }

    private static int checkedLength(String name) {
        int length = Utf8.length(name);
        if (length == 0 || length > FuseKernel.NAME_MAX) {
            throw new IllegalArgumentException("notification name of " + length + " bytes");
        }
        return length;
    }

    private boolean send(int code, int bodySize, String what) {
        int length = (int) BODY + bodySize;
        FuseOutHeader.LEN.set(message, 0L, length);
        FuseOutHeader.ERROR.set(message, 0L, code);
        FuseOutHeader.UNIQUE.set(message, 0L, 0L);
        long result = device.use(fd -> -transport.write(message, length));
        int errno = (int) -result;
        if (errno == 0) {
            return true;
        }
        if (errno == Errno.ENOENT.code()) {
            LOG.debug("{}: the kernel does not know it", what);
        } else if (errno == Errno.ENODEV.code() || errno == Errno.ECONNABORTED.code()) {
            LOG.debug("{}: the connection is gone", what);
        } else {
            LOG.warn("{}: the kernel refused the notification: {}", what, Errno.of(errno));
        }
        return false;
    }

    /** After the session ended: notifications return {@code false}. */
    synchronized void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
