package fuse.backend.local.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.api.Errno;
import fuse.api.MountContext;
import fuse.posix.Fanotify;
import fuse.posix.Posix;
import fuse.posix.PosixException;

/**
 * What the two watches share ({@link HostWatch}, {@link InotifyWatch}): a platform thread that waits for events
 * on the watch's descriptor, lets them gather, reads them, has them turned into {@link WatchChanges} and hands
 * those to the mount; a wake-up pipe to stop it; and what happens when it fails (the mount drops everything and
 * goes back to short timeouts, since this watch no longer {@link #watching watches}).
 *
 * <p>The notifications are handed to the mount, which sends them from its own background thread; this thread
 * takes no lock a request needs, so a kernel that holds a directory lock while a request waits on us never waits
 * on this thread.
 */
abstract class EventWatch implements SourceWatch {
    private static final Logger LOG = LoggerFactory.getLogger(EventWatch.class);
    private static final int BUFFER_BYTES = 64 * 1024;
    /**
     * How long the thread lets events gather after the first one before it reads them. fanotify merges a queued
     * event with a new one for the same file and thread (inotify one with the same as the last queued), so a busy
     * writer's thousands of {@code write()}s a second (a passthrough open's are reported as the client's) become
     * one event per pause, not one wake-up, read and notification each (measured with fanotify: 4 KiB random
     * writes through passthrough cost the server 1-3 s of CPU per 3 s without the pause, 0.04 s with the watch
     * off). Adds at most this much to a change's visibility.
     */
    private static final long GATHER_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    final Path root;
    final MountContext mount;
    private final int events;
    private final int wakeRead;
    private final int wakeWrite;
    private final Thread thread;
    private volatile boolean closed;
    /** Why the watch no longer reports every change, or {@code null} while it does. */
    private volatile String stopped;
    private long overflows;

    /** @param events the descriptor events are read from; owned (closed when the thread ends) */
    EventWatch(Path root, MountContext mount, int events, String threadName) throws PosixException {
        int[] wake = Posix.pipe(fuse.posix.Linux.O_CLOEXEC | fuse.posix.Linux.O_NONBLOCK);
        this.root = root;
        this.mount = mount;
        this.events = events;
        this.wakeRead = wake[0];
        this.wakeWrite = wake[1];
        this.thread = Thread.ofPlatform().daemon().name(threadName + " " + root).unstarted(this::run);
    }

    void startThread() {
        thread.start();
    }

    /** Turns the events of one read ({@code buffer[0, n)}) into the notifications they need. */
    abstract void read(MemorySegment buffer, long n, WatchChanges changes);

    /** How the watch works while it does. */
    abstract String watchingDescription();

    /** Closes what the subclass holds besides the event descriptor; on the watch's thread as it ends. */
    void closeResources() {
    }

    @Override
    public boolean watching() {
        return stopped == null && !closed;
    }

    @Override
    public String description() {
        String why = stopped;
        return why != null ? why + "; short timeouts" : watchingDescription();
    }

    /**
     * The watch can no longer report every change: said once; the mount, told to drop everything, reads
     * {@link #watching} again and goes back to short timeouts.
     */
    void stop(String why) {
        synchronized (this) {
            if (stopped != null || closed) {
                return;
            }
            stopped = why;
        }
        LOG.warn("mount {}: {}; changes on the host now show when the short timeouts run out", mount.mountpoint(),
                why);
        mount.invalidateAll();
    }

    boolean stopped() {
        return stopped != null;
    }

    private void run() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(BUFFER_BYTES, 8);
            WatchChanges changes = new WatchChanges();
            while (!closed) {
                if (!Fanotify.awaitReadable(events, wakeRead) || closed) {
                    continue;
                }
                LockSupport.parkNanos(GATHER_NANOS);
                long n;
                try {
                    n = Posix.read(events, buffer);
                } catch (PosixException e) {
                    if (e.errno() == Errno.EAGAIN || e.errno() == Errno.EINTR) {
                        continue;
                    }
                    throw e;
                }
                changes.clear();
                read(buffer, n, changes);
                if (changes.overflow) {
                    overflows++;
                    LOG.info("watch of {}: the event queue overflowed ({} so far): the kernel drops every cached "
                            + "name and attribute of the mount", root, overflows);
                }
                changes.send(mount);
            }
        } catch (PosixException | RuntimeException e) {
            stop("the watch of " + root + " stopped: " + e);
        } finally {
            Posix.closeQuietly(events);
            Posix.closeQuietly(wakeRead);
            closeResources();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Posix.write(wakeWrite, Arena.ofAuto().allocate(1));
        } catch (PosixException e) {
            // the thread sees closed at its next wake-up
        }
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Posix.closeQuietly(wakeWrite);
    }
}
