package fuse.mount.internal;

import static fuse.posix.Linux.O_RDONLY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import fuse.api.Attributes;
import fuse.api.Caller;
import fuse.api.Entry;
import fuse.api.Errno;
import fuse.api.FileSystem;
import fuse.api.FuseException;
import fuse.api.Handle;
import fuse.api.Node;
import fuse.api.Opened;
import fuse.channel.Request;
import fuse.mount.MountException;
import fuse.testkit.Wait;

/**
 * The mount owns node lifetime: a backend node is released exactly once, when the kernel forgot it and no open
 * file or running request uses it, and a lookup racing that release never hands the kernel a node the backend let
 * go. The races are staged with latches, in a fixed order: no timing decides the outcome.
 */
@Timeout(30)
class NodeReleaseTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path mountpoint;
    private final List<MountCore> cores = new ArrayList<>();
    /** Threads of their own for the racing requests (the common pool may have one thread on a small machine). */
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private FakeSession session;

    @AfterEach
    void closeCores() {
        threads.shutdownNow();
        cores.forEach(MountCore::close);
    }

    /**
     * A flat file system whose nodes live from a lookup until their release, as a backend that mirrors host
     * files keeps them: a lookup after the release makes a new node, and the released one answers ESTALE.
     */
    static final class ForgetfulFileSystem implements FileSystem {
        final class FNode implements Node {
            final String name;
            final int generation;
            volatile boolean released;

            FNode(String name, int generation) {
                this.name = name;
                this.generation = generation;
            }

            @Override
            public String toString() {
                return name + "#" + generation;
            }
        }

        private final FNode root = new FNode("", 0);
        /** Live nodes by name; guarded by {@code this}. */
        private final Map<String, FNode> live = new HashMap<>();
        private int generations;
        /** Every release, in order, to count them. */
        final List<FNode> releases = new ArrayList<>();
        /** Runs in a lookup of "a" after it found its node, before it answers. */
        volatile Runnable afterFound = () -> { };
        /** Runs in a release before the node is let go. */
        volatile Runnable inRelease = () -> { };
        /** Runs in a getattr of a live node before it answers. */
        volatile Runnable inGetattr = () -> { };

        @Override
        public Node root() {
            return root;
        }

        @Override
        public Entry lookup(Caller caller, Node parent, String name) throws FuseException {
            FNode node;
            synchronized (this) {
                node = live.computeIfAbsent(name, n -> new FNode(n, ++generations));
            }
            if (name.equals("a")) {
                afterFound.run();
            }
            return new Entry(node, attributes(node));
        }

        @Override
        public void release(Node node) {
            FNode n = (FNode) node;
            inRelease.run();
            synchronized (this) {
                if (n.released) {
                    throw new AssertionError(n + " released twice");
                }
                n.released = true;
                live.remove(n.name, n);
                releases.add(n);
            }
        }

        @Override
        public Attributes getattr(Caller caller, Node node, Handle handle) throws FuseException {
            FNode n = (FNode) node;
            if (n.released) {
                throw new FuseException(Errno.ESTALE, n + " was released");
            }
            inGetattr.run();
            return attributes(n);
        }

        @Override
        public Opened open(Caller caller, Node node, int flags) throws FuseException {
            return Opened.served(new Handle() {
            });
        }

        synchronized List<FNode> releases() {
            return List.copyOf(releases);
        }

        private Attributes attributes(FNode n) {
            return Attributes.builder(n == root ? 1 : 100 + n.generation, n == root ? 040755 : 0100644)
                    .linkCount(1).build();
        }
    }

    /** A point a backend call stops at, once: the test sees it reached, then lets it go on. */
    static final class Pause implements Runnable {
        private final CountDownLatch reached = new CountDownLatch(1);
        private final CountDownLatch resume = new CountDownLatch(1);
        private final AtomicBoolean used = new AtomicBoolean();
        volatile Thread thread;

        @Override
        public void run() {
            if (used.compareAndSet(false, true)) {
                thread = Thread.currentThread();
                reached.countDown();
                await(resume);
            }
        }

        void awaitReached() {
            await(reached);
        }

        void resume() {
            resume.countDown();
        }
    }

    private ForgetfulFileSystem mount() throws MountException {
        ForgetfulFileSystem fs = new ForgetfulFileSystem();
        MountCore core = new MountCore(MountConfig.parse("test", Map.of("mountpoint", mountpoint.toString(),
                "backend", "forgetful")), MountCore.byName("forgetful"), (options, handler) -> {
                    session = new FakeSession(options, handler, false);
                    return session;
                });
        cores.add(core);
        core.backendAdded(BackendRef.of("forgetful", ctx -> fs, 1));
        core.start();
        return fs;
    }

    private long lookupA() {
        FakeReply reply = session.send(new Request.Lookup(FakeHeader.of(1, 1), "a"));
        assertNull(reply.error, () -> "lookup: " + reply.error);
        return reply.entry.nodeId();
    }

    private void forget(long id, long count) {
        session.send(new Request.Forget(FakeHeader.of(2, id), id, count));
    }

    private FakeReply getattr(long id) {
        return session.send(new Request.GetAttr(FakeHeader.of(3, id), -1));
    }

    static void await(CountDownLatch latch) {
        try {
            if (!latch.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("latch not reached within " + WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void aLookupThatFoundANodeReleasedMeanwhileLooksTheNameUpAgain() throws Exception {
        ForgetfulFileSystem fs = mount();
        long first = lookupA();
        Pause found = new Pause(); // only the racing lookup stops; its second try runs through
        fs.afterFound = found;
        CompletableFuture<FakeReply> racing = CompletableFuture.supplyAsync(
                () -> session.send(new Request.Lookup(FakeHeader.of(1, 1), "a")), threads);
        found.awaitReached(); // the racing lookup holds generation 1, the node the kernel is about to forget
        forget(first, 1);
        assertEquals(1, fs.releases().size(), "the kernel forgot it and nothing uses it: released");
        found.resume();

        FakeReply reply = racing.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertNull(reply.error);
        long second = reply.entry.nodeId();
        assertNotEquals(first, second);
        assertEquals(102, reply.entry.attributes().inode(), "the answer of the lookup made again: generation 2");
        assertNull(getattr(second).error, "the kernel's node is one the backend still has");
        forget(second, 1);
        assertEquals(List.of("a#1", "a#2"), fs.releases().stream().map(Object::toString).toList(),
                "each node released exactly once");
    }

    @Test
    void aLookupWaitsForAReleaseStillRunningAndThenLooksAgain() throws Exception {
        ForgetfulFileSystem fs = mount();
        long first = lookupA();
        Pause found = new Pause();
        fs.afterFound = found;
        Pause releasing = new Pause();
        fs.inRelease = releasing;
        CompletableFuture<FakeReply> racing = CompletableFuture.supplyAsync(
                () -> session.send(new Request.Lookup(FakeHeader.of(1, 1), "a")), threads);
        found.awaitReached();
        CompletableFuture<Void> forgetting = CompletableFuture.runAsync(() -> forget(first, 1), threads);
        releasing.awaitReached(); // the backend is letting generation 1 go, and has not yet
        found.resume();
        ThreadMXBean management = ManagementFactory.getThreadMXBean();
        Wait.until(WAIT, "the racing lookup waiting in the node table for the release", () -> {
            ThreadInfo info = management.getThreadInfo(found.thread.threadId());
            return info != null && info.getThreadState() == Thread.State.WAITING
                    && String.valueOf(info.getLockName()).startsWith(NodeTable.class.getName() + "@");
        });
        assertTrue(fs.releases().isEmpty());
        assertTrue(!racing.isDone());
        releasing.resume();
        forgetting.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        FakeReply reply = racing.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertNull(reply.error);
        assertEquals(102, reply.entry.attributes().inode(), "looked up again after the release: generation 2");
        assertNull(getattr(reply.entry.nodeId()).error);
        assertEquals(1, fs.releases().size());
    }

    @Test
    void anOpenFileKeepsItsNodeUntilReleasedThoughTheKernelForgotIt() throws Exception {
        ForgetfulFileSystem fs = mount();
        long id = lookupA();
        FakeReply opened = session.send(new Request.Open(FakeHeader.of(14, id), O_RDONLY, false));
        assertNull(opened.error);
        forget(id, 1);
        assertEquals(List.of(), fs.releases(), "the file is open: the mount still uses the node");
        session.send(new Request.Release(FakeHeader.of(18, id), opened.fh, 0, false));
        assertEquals(1, fs.releases().size(), "the last use ended: released once");
    }

    @Test
    void aRunningRequestKeepsItsNodeUntilItAnswers() throws Exception {
        ForgetfulFileSystem fs = mount();
        long id = lookupA();
        Pause inside = new Pause();
        fs.inGetattr = inside;
        CompletableFuture<FakeReply> running = CompletableFuture.supplyAsync(() -> getattr(id), threads);
        inside.awaitReached();
        forget(id, 1);
        assertEquals(List.of(), fs.releases(), "a request still uses the node");
        inside.resume();
        assertNull(running.get(WAIT.toSeconds(), TimeUnit.SECONDS).error, "it answered from a live node");
        Wait.until(WAIT, "the release after the request", () -> fs.releases().size() == 1);
        assertEquals(Errno.ESTALE, getattr(id).error, "the id is gone with the node");
    }
}
