package fuse.channel.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.channel.ChannelTransport;

/**
 * The io_uring instances of a session's queues, one per CPU the kernel can run (it picks a request's queue by the
 * requesting task's CPU, and a connection's ring is ready only when every queue has an entry). They are set up
 * before the mount, so that a missing io_uring is known before INIT asks the kernel for FUSE over io_uring:
 * once INIT agreed on it, the kernel holds every request until all queues are registered.
 */
final class UringRings implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UringRings.class);
    static final Path ENABLE_URING = Path.of("/sys/module/fuse/parameters/enable_uring");
    private static final Path IO_URING_DISABLED = Path.of("/proc/sys/kernel/io_uring_disabled");
    private static final Path POSSIBLE_CPUS = Path.of("/sys/devices/system/cpu/possible");

    private final IoUring[] rings;

    private UringRings(IoUring[] rings) {
        this.rings = rings;
    }

    /**
     * The rings for {@code choice}: none for {@link ChannelTransport#DEVICE}, and none for
     * {@link ChannelTransport#AUTO} when io_uring is not available (logged).
     *
     * @throws IOException for {@link ChannelTransport#URING} when it is not available, naming the reason
     */
    static Optional<UringRings> open(ChannelTransport choice, Path mountpoint) throws IOException {
        return choice == ChannelTransport.DEVICE ? Optional.empty()
                : open(choice, mountpoint, unavailableReason(ENABLE_URING));
    }

    /** {@link #open(ChannelTransport, Path)} with the kernel's answer already known. */
    static Optional<UringRings> open(ChannelTransport choice, Path mountpoint, Optional<String> unavailable)
            throws IOException {
        String reason = unavailable.orElse(null);
        if (reason == null) {
            try {
                return Optional.of(create(possibleCpus()));
            } catch (IOException e) {
                reason = e.getMessage();
            }
        }
        if (choice == ChannelTransport.URING) {
            throw new IOException("transport=uring at " + mountpoint + ": FUSE over io_uring is not available: "
                    + reason);
        }
        LOG.info("{}: transport /dev/fuse: FUSE over io_uring is not available: {}", mountpoint, reason);
        return Optional.empty();
    }

    /**
     * Why the kernel would not offer FUSE_OVER_IO_URING at INIT, if it would not; {@code enableUring} is the
     * {@code fuse} module parameter's file ({@link #ENABLE_URING}).
     */
    static Optional<String> unavailableReason(Path enableUring) {
        String enabled;
        try {
            enabled = KernelFiles.read(enableUring);
        } catch (NoSuchFileException e) {
            return Optional.of("this kernel has no FUSE over io_uring (Linux 6.14+ with CONFIG_FUSE_IO_URING)");
        } catch (IOException e) {
            return Optional.of("cannot read " + enableUring + ": " + e.getMessage());
        }
        if (!enabled.equals("Y") && !enabled.equals("1")) {
            return Optional.of("the fuse module parameter enable_uring is off; turn it on as root with: "
                    + "echo Y > " + enableUring);
        }
        if (Files.isReadable(IO_URING_DISABLED)) {
            try {
                if (KernelFiles.read(IO_URING_DISABLED).equals("2")) {
                    return Optional.of("io_uring is disabled (sysctl kernel.io_uring_disabled=2)");
                }
            } catch (IOException e) {
                // io_uring_setup reports it then
            }
        }
        return Optional.empty();
    }

    /** {@code num_possible_cpus()}: the count of CPUs in ranges like {@code 0-3,8-11}. */
    static int possibleCpus() throws IOException {
        return countCpus(KernelFiles.read(POSSIBLE_CPUS));
    }

    static int countCpus(String list) {
        int count = 0;
        for (String range : list.strip().split(",")) {
            String[] bounds = range.split("-");
            int first = Integer.parseInt(bounds[0].strip());
            int last = bounds.length > 1 ? Integer.parseInt(bounds[1].strip()) : first;
            count += last - first + 1;
        }
        return count;
    }

    private static UringRings create(int queues) throws IOException {
        IoUring[] rings = new IoUring[queues];
        try {
            for (int i = 0; i < queues; i++) {
                rings[i] = IoUring.create(UringQueue.DEPTH);
            }
            return new UringRings(rings);
        } catch (IOException | RuntimeException e) {
            for (IoUring ring : rings) {
                if (ring != null) {
                    ring.close();
                }
            }
            throw e;
        }
    }

    int queues() {
        return rings.length;
    }

    IoUring ring(int qid) {
        return rings[qid];
    }

    /** Closes every ring (each queue closes its own once it ran; closing twice is harmless). */
    @Override
    public void close() {
        for (IoUring ring : rings) {
            ring.close();
        }
    }
}
