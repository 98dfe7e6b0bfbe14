package fuse.e2e;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The service manager's end of {@code sd_notify}, as systemd binds it: an AF_UNIX datagram socket at a path or an
 * abstract name ({@code @...}), whose messages the test reads with a deadline. The JDK has no AF_UNIX datagram
 * channel, so this is FFM, like the container's side.
 */
final class NotifySocket implements AutoCloseable {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SOCKET = libc("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT,
            JAVA_INT));
    private static final MethodHandle BIND = libc("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS,
            JAVA_INT));
    private static final MethodHandle SETSOCKOPT = libc("setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT,
            JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV = libc("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS,
            JAVA_LONG, JAVA_INT));
    private static final MethodHandle CLOSE = libc("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;

    final String address;
    private final int fd;
    private final Arena arena = Arena.ofShared();

    NotifySocket(String address) throws Throwable {
        this.address = address;
        fd = (int) SOCKET.invokeExact(AF_UNIX, SOCK_DGRAM, 0);
        if (fd < 0) {
            throw new IllegalStateException("socket failed");
        }
        byte[] name = address.getBytes(StandardCharsets.UTF_8);
        MemorySegment sockaddr = arena.allocate(110);
        sockaddr.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(name, 0, sockaddr, JAVA_BYTE, 2, name.length);
        boolean abstractName = name[0] == '@';
        if (abstractName) {
            sockaddr.set(JAVA_BYTE, 2, (byte) 0);
        }
        int rc = (int) BIND.invokeExact(fd, sockaddr, 2 + name.length + (abstractName ? 0 : 1));
        if (rc < 0) {
            throw new IllegalStateException("bind " + address + " failed");
        }
        MemorySegment timeout = arena.allocate(16, 8); // struct timeval: 0.2 s per recv, the caller's deadline above
        timeout.set(JAVA_LONG, 8, 200_000);
        rc = (int) SETSOCKOPT.invokeExact(fd, SOL_SOCKET, SO_RCVTIMEO, timeout, 16);
        if (rc < 0) {
            throw new IllegalStateException("setsockopt failed");
        }
    }

    /** The next datagram, or an assertion failure after {@code timeout}. */
    String receive(Duration timeout) throws Throwable {
        long deadline = System.nanoTime() + timeout.toNanos();
        MemorySegment buffer = arena.allocate(4096);
        while (System.nanoTime() < deadline) {
            long n = (long) RECV.invokeExact(fd, buffer, 4096L, 0);
            if (n >= 0) {
                return new String(buffer.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
            }
        }
        throw new AssertionError("no notification on " + address + " within " + timeout);
    }

    @Override
    public void close() {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        } finally {
            arena.close();
        }
    }

    private static MethodHandle libc(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor);
    }
}
