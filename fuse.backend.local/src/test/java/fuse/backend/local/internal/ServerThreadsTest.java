package fuse.backend.local.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import fuse.posix.Fanotify;

/** Which thread ids a watch takes for the mount's own: those of threads that entered and still live. */
class ServerThreadsTest {
    private final ServerThreads threads = new ServerThreads();

    @Test
    void aThreadThatEnteredIsTheMountsWhileItLives() {
        threads.enter();
        threads.enter();
        assertTrue(threads.madeBy(Fanotify.gettid()));
    }

    @Test
    void aThreadThatNeverEnteredIsNot() {
        assertFalse(threads.madeBy(Fanotify.gettid()));
    }

    /**
     * Once a server thread exited, its id is free for the next thread or process the kernel starts, whose changes
     * on the host must be reported: the id no longer counts, whoever has it now.
     */
    @Test
    void theIdOfAThreadThatExitedIsNoLongerTheMounts() throws Exception {
        AtomicInteger tid = new AtomicInteger();
        AtomicBoolean whileAlive = new AtomicBoolean();
        Thread server = Thread.ofPlatform().start(() -> {
            threads.enter();
            tid.set(Fanotify.gettid());
            whileAlive.set(threads.madeBy(tid.get()));
        });
        server.join();
        assertTrue(whileAlive.get());
        assertFalse(threads.madeBy(tid.get()), "thread id " + tid.get() + " of an exited thread");
    }
}
