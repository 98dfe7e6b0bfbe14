package fuse.backend.local.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import fuse.posix.Fanotify;

/**
 * The threads that serve a mount's requests, by kernel thread id: a watch does not report the changes they make
 * (the kernel knows of them already). Only threads alive count: the kernel gives an exited thread's id to the
 * next thread or process that starts ({@code pid_max} may be as low as 32768), whose changes on the host are not
 * the mount's.
 */
final class ServerThreads {
    private final Map<Integer, Thread> byId = new ConcurrentHashMap<>();
    private final ThreadLocal<Boolean> entered = new ThreadLocal<>();

    /** Remembers the calling thread as one of the mount's; a thread-local check after the first time. */
    void enter() {
        if (entered.get() == null) {
            entered.set(Boolean.TRUE);
            byId.put(Fanotify.gettid(), Thread.currentThread());
        }
    }

    /**
     * Whether a change by kernel thread {@code tid} is one of the mount's own: made by a thread that entered and
     * is alive. An exited one is forgotten here (a change it made before it ended is then reported too: one more
     * notification, never one too few).
     */
    boolean madeBy(int tid) {
        Thread thread = byId.get(tid);
        if (thread == null) {
            return false;
        }
        if (thread.isAlive()) {
            return true;
        }
        byId.remove(tid, thread);
        return false;
    }
}
