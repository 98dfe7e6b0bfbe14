package fuse.posix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

import fuse.api.Errno;

/**
 * The AF_UNIX socket calls the JDK's channels do not offer: datagrams ({@code sd_notify}) and descriptors passed
 * with {@code SCM_RIGHTS} ({@code fusermount3}). Stream sockets with paths are the JDK's
 * ({@link java.nio.channels.SocketChannel} with a {@link java.net.UnixDomainSocketAddress}).
 */
public final class UnixSockets {
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    /** {@code struct sockaddr_un}: sa_family_t, then sun_path[108]. */
    private static final int SUN_PATH_OFFSET = 2;
    private static final int SUN_PATH_SIZE = 108;
    /** {@code struct msghdr} on x86-64 and aarch64: name, namelen, iov, iovlen, control, controllen, flags. */
    private static final long MSGHDR_SIZE = 56;
    /** {@code struct cmsghdr}: cmsg_len (size_t), cmsg_level, cmsg_type, then the data, 8-byte aligned. */
    private static final long CMSG_HEADER = 16;

    private UnixSockets() {
    }

    private static final class Socket {
        static final MethodHandle HANDLE = Native.function("socket",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    }
    private static final class Socketpair {
        static final MethodHandle HANDLE = Native.function("socketpair",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    }
    private static final class Sendto {
        static final MethodHandle HANDLE = Native.function("sendto",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    }
    private static final class Recvmsg {
        static final MethodHandle HANDLE = Native.function("recvmsg",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    }

    /**
     * Sends {@code message} as one datagram to the AF_UNIX socket {@code address}: a path, or an abstract name
     * written with a leading {@code @} (as {@code $NOTIFY_SOCKET} does).
     */
    public static void sendDatagram(String address, String message) throws PosixException {
        byte[] name = address.getBytes(StandardCharsets.UTF_8);
        if (name.length == 0 || name.length >= SUN_PATH_SIZE) {
            throw new PosixException(Errno.EINVAL, "sendto", address);
        }
        boolean abstractName = name[0] == '@';
        int fd = socket(SOCK_DGRAM);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sockaddr = arena.allocate(SUN_PATH_OFFSET + SUN_PATH_SIZE);
            sockaddr.set(JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(name, 0, sockaddr, JAVA_BYTE, SUN_PATH_OFFSET, name.length);
            if (abstractName) {
                sockaddr.set(JAVA_BYTE, SUN_PATH_OFFSET, (byte) 0); // the abstract namespace starts with a NUL
            }
            // An abstract name's length is exact (no terminating NUL); a path's includes its NUL.
            int length = SUN_PATH_OFFSET + name.length + (abstractName ? 0 : 1);
            byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
            MemorySegment data = arena.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, data, JAVA_BYTE, 0, bytes.length);
            long sent;
            try {
                sent = (long) Sendto.HANDLE.invokeExact(Native.errnoState(), fd, data, (long) bytes.length,
                        MSG_NOSIGNAL, sockaddr, length);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            if (sent < 0) {
                throw Native.failure("sendto", address);
            }
        } finally {
            Posix.closeQuietly(fd);
        }
    }

    /** {@code socketpair(AF_UNIX, SOCK_STREAM)}: two connected descriptors, close-on-exec. */
    public static int[] streamPair() throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            int rc;
            try {
                rc = (int) Socketpair.HANDLE.invokeExact(Native.errnoState(), AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC,
                        0, fds);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            if (rc < 0) {
                throw Native.failure("socketpair", "");
            }
            return new int[] {fds.get(JAVA_INT, 0), fds.get(JAVA_INT, 4)};
        }
    }

    /**
     * Receives one descriptor passed with {@code SCM_RIGHTS} on {@code fd} (close-on-exec), as libfuse receives
     * {@code /dev/fuse} from {@code fusermount3}. Fails with {@code ECONNRESET} when the peer closed without
     * sending one.
     */
    public static int receiveDescriptor(int fd) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(1);
            MemorySegment iov = arena.allocate(16, 8);
            iov.set(ADDRESS, 0, data);
            iov.set(JAVA_LONG, 8, 1);
            long controlSize = CMSG_HEADER + 8; // CMSG_SPACE(sizeof(int))
            MemorySegment control = arena.allocate(controlSize, 8);
            MemorySegment header = arena.allocate(MSGHDR_SIZE, 8);
            header.set(ADDRESS, 16, iov);
            header.set(JAVA_LONG, 24, 1);
            header.set(ADDRESS, 32, control);
            header.set(JAVA_LONG, 40, controlSize);
            long received;
            do {
                try {
                    received = (long) Recvmsg.HANDLE.invokeExact(Native.errnoState(), fd, header, MSG_CMSG_CLOEXEC);
                } catch (Throwable t) {
                    throw Native.unexpected(t);
                }
            } while (received < 0 && Native.lastErrno() == Errno.EINTR.code());
            if (received < 0) {
                throw Native.failure("recvmsg", "fd " + fd);
            }
            long controlLength = header.get(JAVA_LONG, 40);
            if (controlLength < CMSG_HEADER + 4 || control.get(JAVA_INT, 8) != SOL_SOCKET
                    || control.get(JAVA_INT, 12) != SCM_RIGHTS) {
                throw new PosixException(Errno.ECONNRESET, "recvmsg", "fd " + fd + " (no descriptor received)");
            }
            return control.get(JAVA_INT, CMSG_HEADER);
        }
    }

    private static int socket(int type) throws PosixException {
        int fd;
        try {
            fd = (int) Socket.HANDLE.invokeExact(Native.errnoState(), AF_UNIX, type | SOCK_CLOEXEC, 0);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (fd < 0) {
            throw Native.failure("socket", "AF_UNIX");
        }
        return fd;
    }
}
