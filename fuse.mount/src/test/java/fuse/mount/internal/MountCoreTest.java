package fuse.mount.internal;

import static fuse.posix.Linux.O_RDONLY;
import static fuse.posix.Linux.O_RDWR;
import static fuse.posix.Linux.O_WRONLY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import fuse.api.AttributeChanges;
import fuse.api.Caller;
import fuse.api.Errno;
import fuse.api.FileSystem;
import fuse.api.FileSystemBackend;
import fuse.api.FuseException;
import fuse.api.Handle;
import fuse.api.MountContext;
import fuse.api.Node;
import fuse.api.OpenOption;
import fuse.channel.Reply;
import fuse.channel.Request;
import fuse.mount.MountException;
import fuse.mount.MountState;
import fuse.mount.testing.MemoryFileSystem;
import fuse.passthrough.FallbackReason;
import fuse.testkit.Wait;

/** The mount core against a fake channel: node and handle bookkeeping, passthrough, privileges, swaps, errors. */
@Timeout(30)
class MountCoreTest {

    @TempDir
    Path mountpoint;
    private final List<MountCore> cores = new ArrayList<>();
    private FakeSession session;
    private int mounts;

    @AfterEach
    void closeCores() {
        cores.forEach(MountCore::close);
    }

    private MountCore core(Map<String, Object> extra, BackendRef... backends) throws MountException {
        Map<String, Object> props = new HashMap<>(Map.of("mountpoint", mountpoint.toString(), "backend", "mem"));
        props.putAll(extra);
        MountCore core = new MountCore(MountConfig.parse("test", props), MountCore.byName(
                props.get("backend").toString()), (options, handler) -> {
                    mounts++;
                    session = new FakeSession(options, handler, !"false".equals(props.get("kernel.passthrough")));
                    return session;
                });
        cores.add(core);
        for (BackendRef ref : backends) {
            core.backendAdded(ref);
        }
        core.start();
        return core;
    }

    private static BackendRef backend(String name, long key, FileSystemBackend backend) {
        return BackendRef.of(name, backend, key);
    }

    private static BackendRef backend(String name, long key, MemoryFileSystem fs) {
        return backend(name, key, ctx -> fs);
    }

    private FakeReply lookup(long parent, String name) {
        return session.send(new Request.Lookup(FakeHeader.of(1, parent), name));
    }

    private long lookupId(long parent, String name) {
        FakeReply reply = lookup(parent, name);
        assertNull(reply.error, () -> "lookup " + name + ": " + reply.error);
        return reply.entry.nodeId();
    }

    private FakeReply open(long node, int flags, int uid) {
        return session.send(new Request.Open(FakeHeader.as(uid, 14, node), flags, false));
    }

    private FakeReply release(long node, long fh) {
        return session.send(new Request.Release(FakeHeader.of(18, node), fh, 0, false));
    }

    private FakeReply read(long node, long fh, int size) {
        return session.send(new Request.Read(FakeHeader.of(15, node), fh, 0, size, 0));
    }

    @Test
    void equalNodesShareOneIdAndAreReleasedOnceTheKernelForgetsThem() throws Exception {
        MemoryFileSystem fs = new MemoryFileSystem("mem").file("/a", "x");
        MountCore core = core(Map.of(), backend("mem", 1, fs));
        long first = lookupId(1, "a");
        long second = lookupId(1, "a");
        assertEquals(first, second);
        assertEquals(0, lookup(1, "a").entry.generation());
        session.send(new Request.Forget(FakeHeader.of(2, first), first, 2));
        assertEquals(1, fs.references("/a"), "one lookup left: still held");
        assertEquals(0, fs.releases("/a"));
        session.send(new Request.BatchForget(FakeHeader.of(42, 0), new long[] {first}, new long[] {1}));
        core.awaitBackground();
        assertEquals(0, fs.heldReferences());
        assertEquals(1, fs.releases("/a"));
        assertNotEquals(first, lookupId(1, "a"), "forgotten ids are never reused");
    }

    @Test
    void aBatchForgetOfManyNodesReleasesEveryForgottenNode() throws Exception {
        MemoryFileSystem fs = new MemoryFileSystem("mem");
        int files = 300; // several chunks of the table's lock
        for (int i = 0; i < files; i++) {
            fs.file("/f" + i, "x");
        }
        MountCore core = core(Map.of(), backend("mem", 1, fs));
        long[] ids = new long[files + 2];
        long[] counts = new long[files + 2];
        for (int i = 0; i < files; i++) {
            ids[i] = lookupId(1, "f" + i);
            lookupId(1, "f" + i);
            counts[i] = i % 2 == 0 ? 2 : 1;
        }
        ids[files] = 1; // the root is never forgotten
        counts[files] = 5;
        ids[files + 1] = 999_999; // unknown: ignored
        counts[files + 1] = 1;
        session.send(new Request.BatchForget(FakeHeader.of(42, 0), ids, counts));
        core.awaitBackground();
        assertEquals(files / 2, fs.heldReferences(), "odd files keep one lookup");
        for (int i = 0; i < files; i++) {
            assertEquals(i % 2 == 0 ? 1 : 0, fs.releases("/f" + i));
        }
        for (int i = 1; i < files; i += 2) {
            assertEquals(1, fs.references("/f" + i));
            assertEquals(ids[i], lookupId(1, "f" + i), "still known by its id");
        }
        assertNotEquals(ids[0], lookupId(1, "f0"), "forgotten ids are never reused");
    }

    @Test
    void directoriesAreOpenedWithTheListingCacheTheBackendAllows() throws Exception {
        Set<OpenOption> caching = new HashSet<>();
        MemoryFileSystem fs = new MemoryFileSystem("mem") {
            @Override
            public Set<OpenOption> directoryCaching(Node node, Handle handle) {
                return caching;
            }
        }.file("/d/a", "1");
        core(Map.of(), backend("mem", 1, fs));
        long dir = lookupId(1, "d");
        assertEquals(0, opendirFlags(dir), "the default: no listing cache");
        caching.add(OpenOption.KEEP_CACHE);
        assertEquals(0, opendirFlags(dir), "keeping a cache means nothing without one");
        caching.add(OpenOption.CACHE_DIR);
        assertEquals(Reply.FOPEN_CACHE_DIR | Reply.FOPEN_KEEP_CACHE, opendirFlags(dir));
        lookupId(dir, "a");
        assertEquals(Reply.FOPEN_CACHE_DIR, opendirFlags(dir), "a name looked up in it since: read it again");
        assertEquals(Reply.FOPEN_CACHE_DIR | Reply.FOPEN_KEEP_CACHE, opendirFlags(dir));
        caching.remove(OpenOption.KEEP_CACHE);
        caching.add(OpenOption.DIRECT_IO);
        assertEquals(Reply.FOPEN_CACHE_DIR, opendirFlags(dir), "file options do not apply");
        assertEquals(0, fs.openHandles.get());
    }

    private int opendirFlags(long dir) {
        FakeReply opened = session.send(new Request.OpenDir(FakeHeader.of(27, dir), 0));
        assertNull(opened.error);
        session.send(new Request.ReleaseDir(FakeHeader.of(29, dir), opened.fh));
        return opened.openFlags;
    }

    @Test
    void entriesTheKernelDidNotTakeAreNotCounted() throws Exception {
        MemoryFileSystem fs = new MemoryFileSystem("mem").file("/a", "x");
        core(Map.of(), backend("mem", 1, fs));
        FakeReply reply = session.send(new Request.Lookup(FakeHeader.of(1, 1), "a"), false);
        assertNotNull(reply.entry);
        assertEquals(0, fs.heldReferences());
        session.send(new Request.MkDir(FakeHeader.of(9, 1), "d", 0755, 022), false);
        assertEquals(0, fs.heldReferences());
    }

    @Test
    void readdirplusLooksUpOnlyTheEntriesThatFit() throws Exception {
        MemoryFileSystem fs = new MemoryFileSystem("mem").file("/d/a", "1").file("/d/b", "2").file("/d/c", "3");
        core(Map.of(), backend("mem", 1, fs));
        long dir = lookupId(1, "d");
        FakeReply opened = session.send(new Request.OpenDir(FakeHeader.of(27, dir), 0));
        FakeReply listing = new FakeReply();
        listing.directoryCapacity = 3;
        session.handler.handle(new Request.ReadDir(FakeHeader.of(44, dir), opened.fh, 0, 4096, true), listing);
        assertEquals(List.of(".", "..", "a"), listing.dirents.stream().map(FakeReply.Dirent::name).toList());
        assertEquals(0, listing.dirents.get(0).entry().nodeId(), "no lookup for .");
        long a = listing.dirents.get(2).entry().nodeId();
        assertTrue(a > 1);
        assertEquals(1, fs.references("/d/a"));
        assertEquals(0, fs.references("/d/b"), "b did not fit: no lookup counted");
        FakeReply rest = session.send(new Request.ReadDir(FakeHeader.of(44, dir), opened.fh, 3, 4096, true));
        assertEquals(List.of("b", "c"), rest.dirents.stream().map(FakeReply.Dirent::name).toList());
        assertEquals(lookupId(dir, "b"), rest.dirents.get(0).entry().nodeId(), "same node as a lookup");
        session.send(new Request.ReleaseDir(FakeHeader.of(29, dir), opened.fh));
        assertEquals(0, fs.openHandles.get());
    }

    @Test
    void aListingTheKernelOpenedItselfIsOpenedOnceUpToItsEmptyLastReply() throws Exception {
        AtomicInteger opens = new AtomicInteger();
        MemoryFileSystem fs = new MemoryFileSystem("mem") {
            @Override
            public synchronized Handle opendir(Caller caller, Node node) throws FuseException {
                opens.incrementAndGet();
                return super.opendir(caller, node);
            }
        }.file("/d/a", "1").file("/d/b", "2");
        core(Map.of(), backend("mem", 1, fs));
        long dir = lookupId(1, "d");
        FakeReply all = session.send(
                new Request.ReadDir(FakeHeader.of(44, dir), UnopenedListings.NO_HANDLE, 0, 4096, false));
        assertEquals(List.of(".", "..", "a", "b"), all.dirents.stream().map(FakeReply.Dirent::name).toList());
        assertEquals(1, fs.openHandles.get(), "kept for the READDIR that learns the end");
        long end = all.dirents.getLast().nextOffset();
        FakeReply last = session.send(
                new Request.ReadDir(FakeHeader.of(45, dir), UnopenedListings.NO_HANDLE, end, 4096, false));
        assertNull(last.error);
        assertTrue(last.dirents.isEmpty());
        assertEquals(1, opens.get(), "the end read from the kept listing, not from the directory opened again");
        assertEquals(0, fs.openHandles.get(), "closed with the empty reply");
    }

    /**
     * The kernel asks for the rest of a listing as soon as it has a reply, on whichever thread reads the request:
     * the listing is kept before the reply goes out, not after (then the next READDIR opened the directory again
     * and the first listing stayed kept where nothing of this listing asks).
     */
    @Test
    void aListingIsKeptBeforeItsReplyGoesOut() throws Exception {
        CountingOpens fs = mountListing();
        long dir = lookupId(1, "d");
        FakeReply first = new FakeReply();
        first.directoryCapacity = 3;
        CompletableFuture<FakeReply> rest = new CompletableFuture<>();
        first.whenSent = () -> rest.completeAsync(() -> unopenedReaddir(dir, first.dirents.getLast().nextOffset(),
                new FakeReply())).join();
        assertEquals(List.of(".", "..", "a"), names(unopenedReaddir(dir, 0, first)));
        assertEquals(List.of("b"), names(rest.get(10, TimeUnit.SECONDS)));
        assertEquals(1, fs.opens.get(), "the second READDIR continued the kept listing");
        assertEquals(1, fs.openHandles.get(), "one listing kept, for the READDIR that learns the end");
    }

    /**
     * A listing holds entries read before a change the backend reports (a watch saw the directory change on the
     * host); the kernel, told after, reads the listing anew: from the directory opened again, never from what
     * was kept across the change.
     */
    @Test
    void aListingKeptAcrossAReportedChangeIsReadAnew() throws Exception {
        CountingOpens fs = mountListing();
        long dir = lookupId(1, "d");
        long next = firstThree(dir);

        fs.context.invalidateAttributes(fs.lastOpened, true);
        FakeReply rest = unopenedReaddir(dir, next, new FakeReply());
        assertEquals(List.of("b"), names(rest));
        assertEquals(2, fs.opens.get(), "opened again after the change");
        assertEquals(1, fs.openHandles.get(), "the listing from before the change closed");

        fs.context.invalidateAll();
        assertEquals(List.of(), names(unopenedReaddir(dir, rest.dirents.getLast().nextOffset(), new FakeReply())));
        assertEquals(3, fs.opens.get(), "opened again after a change of everything");
        assertEquals(0, fs.openHandles.get());
    }

    /** As across a change on the host: a change made through the mount is read anew too. */
    @Test
    void aListingKeptAcrossAChangeThroughTheMountIsReadAnew() throws Exception {
        CountingOpens fs = mountListing();
        long dir = lookupId(1, "d");
        long next = firstThree(dir);

        assertNull(session.send(new Request.MkDir(FakeHeader.of(9, dir), "c", 0755, 022)).error);
        assertEquals(List.of("b", "c"), names(unopenedReaddir(dir, next, new FakeReply())));
        assertEquals(2, fs.opens.get(), "opened again after the MKDIR");
    }

    /** Mounts /d with a and b, counting the directories opened. */
    private CountingOpens mountListing() throws MountException {
        CountingOpens fs = new CountingOpens();
        fs.file("/d/a", "1").file("/d/b", "2");
        core(Map.of(), backend("mem", 1, ctx -> {
            fs.context = ctx;
            return fs;
        }));
        return fs;
    }

    /** Lists ".", ".." and "a" of {@code dir}, which the kernel opened itself: where the listing goes on. */
    private long firstThree(long dir) {
        FakeReply first = new FakeReply();
        first.directoryCapacity = 3;
        assertEquals(List.of(".", "..", "a"), names(unopenedReaddir(dir, 0, first)));
        return first.dirents.getLast().nextOffset();
    }

    /** A READDIR from {@code offset} of {@code dir}, which the kernel opened itself, into {@code reply}. */
    private FakeReply unopenedReaddir(long dir, long offset, FakeReply reply) {
        session.handler.handle(new Request.ReadDir(FakeHeader.of(44, dir), UnopenedListings.NO_HANDLE, offset, 4096,
                false), reply);
        return reply;
    }

    private static List<String> names(FakeReply listing) {
        return listing.dirents.stream().map(FakeReply.Dirent::name).toList();
    }

    /** Counts the directories it opens and remembers the last one's node, and the mount's context. */
    private static final class CountingOpens extends MemoryFileSystem {
        final AtomicInteger opens = new AtomicInteger();
        volatile Node lastOpened;
        volatile MountContext context;

        CountingOpens() {
            super("mem");
        }

        @Override
        public synchronized Handle opendir(Caller caller, Node node) throws FuseException {
            opens.incrementAndGet();
            lastOpened = node;
            return super.opendir(caller, node);
        }
    }

    @Test
    void passthroughOpensShareTheInodesIdUntilTheLastRelease() throws Exception {
        MemoryFileSystem fs = new MemoryFileSystem("mem").file("/big.pt", "data").passthroughFor(n -> n.endsWith(".pt"));
        MountCore core = core(Map.of(), backend("mem", 1, fs));
        long node = lookupId(1, "big.pt");
        FakeReply first = open(node, O_RDONLY, 0);
        FakeReply second = open(node, O_RDONLY, 0);
        assertEquals(Reply.FOPEN_PASSTHROUGH, first.openFlags);
        assertTrue(first.backingId > 0);
        assertEquals(first.backingId, second.backingId);
        assertEquals(1, core.backingIds().size());
        assertEquals("/big.pt", core.backingIds().getFirst().path());
        release(node, first.fh);
        assertEquals(1, session.liveIds.size());
        release(node, second.fh);
        assertTrue(session.liveIds.isEmpty());
        assertEquals(2, core.passthrough().passthroughOpens());
        assertEquals(0, core.passthrough().liveIds());
        assertEquals(0, fs.openHandles.get());
        assertEquals(0, core.openFiles());
    }

    @Test
    void opensBeyondMaxOpenFilesFailWithEmfileBeforeTheBackendMakesAnything() throws Exception {
        MemoryFileSystem fs = new MemoryFileSystem("mem").file("/a", "a").dir("/d");
        MountCore core = core(Map.of("max_open_files", "2"), backend("mem", 1, fs));
        long a = lookupId(1, "a");
        long d = lookupId(1, "d");
        FakeReply first = open(a, O_RDONLY, 1000);
        FakeReply dir = session.send(new Request.OpenDir(FakeHeader.as(1000, 27, d), 0));
        assertNull(first.error);
        assertNull(dir.error);

        assertEquals(Errno.EMFILE, open(a, O_RDONLY, 1000).error);
        assertEquals(Errno.EMFILE, session.send(new Request.OpenDir(FakeHeader.as(1000, 27, d), 0)).error);
        FakeReply created = session.send(new Request.Create(FakeHeader.as(1000, 35, 1), "new", O_RDWR, 0644, 0,
                false));
        assertEquals(Errno.EMFILE, created.error);
        assertEquals(0, lookup(1, "new").entry.nodeId(), "a refused create makes no file");
        assertEquals(2, core.openFiles());
        assertEquals(2, fs.openHandles.get());

        release(a, first.fh);
        FakeReply again = open(a, O_RDONLY, 1000);
        assertNull(again.error, "a released file makes room");
        release(a, again.fh);
        session.send(new Request.ReleaseDir(FakeHeader.of(29, d), dir.fh));
        assertEquals(0, core.openFiles());
        assertEquals(0, fs.openHandles.get());
    }

    @Test
    void anOpenTheKernelDidNotTakeIsUndone() throws Exception {
        MemoryFileSystem fs = new MemoryFileSystem("mem").file("/f.pt", "data").passthroughFor(n -> true);
        MountCore core = core(Map.of(), backend("mem", 1, fs));
        long node = lookupId(1, "f.pt");
        FakeReply reply = session.send(new Request.Open(FakeHeader.of(14, node), O_RDONLY, false), false);
        assertTrue(reply.backingId > 0);
        assertTrue(session.liveIds.isEmpty(), "the id went with the undone open");
        assertEquals(0, fs.openHandles.get());
        assertEquals(0, core.openFiles());
        assertEquals(1, core.passthrough().undoneOpens());
    }

    @Test
    void javaServedOpenOfAPassthroughInodeIsPassthroughDirectIo() throws Exception {
        MemoryFileSystem fs = new MemoryFileSystem("mem").file("/f", "data");
        fs.passthroughFor(n -> true);
        MountCore core = core(Map.of(), backend("mem", 1, fs));
        long node = lookupId(1, "f");
        FakeReply pt = open(node, O_RDONLY, 0);
        fs.passthroughFor(n -> false);
        FakeReply served = open(node, O_RDONLY, 0);
        assertEquals(Reply.FOPEN_PASSTHROUGH | Reply.FOPEN_DIRECT_IO, served.openFlags);
        assertEquals(pt.backingId, served.backingId);
        FakeReply data = read(node, served.fh, 100);
        assertEquals("data", data.data());
        release(node, pt.fh);
        release(node, served.fh);
        assertTrue(session.liveIds.isEmpty());
        assertEquals(1, core.passthrough().servedInPassthroughMode());
    }

    @Test
    void refusedPassthroughIsServedAndCounted() throws Exception {
        MemoryFileSystem fs = new MemoryFileSystem("mem").file("/f", "data").passthroughFor(n -> true);
        MountCore core = core(Map.of("kernel.passthrough", "false"), backend("mem", 1, fs));
        long node = lookupId(1, "f");
        FakeReply reply = open(node, O_RDONLY, 0);
        assertEquals(0, reply.openFlags);
        assertEquals("data", read(node, reply.fh, 10).data());
        assertEquals(1, core.passthrough().fallbacks(FallbackReason.NOT_NEGOTIATED));
        release(node, reply.fh);
    }

    @Test
    void passthroughWriterThatIsNotRootLosesSetuidAtOpen() throws Exception {
        MemoryFileSystem fs = new MemoryFileSystem("mem").file("/tool", "x").mode("/tool", 04755, 1000)
                .file("/group", "x").mode("/group", 02775, 1000).file("/nogx", "x").mode("/nogx", 02745, 1000)
                .passthroughFor(n -> true);
        core(Map.of(), backend("mem", 1, fs));
        long tool = lookupId(1, "tool");
        release(tool, open(tool, O_RDONLY, 1000).fh);
        assertEquals(0104755, fs.modeOf("/tool"), "reading keeps the bits");
        release(tool, open(tool, O_RDWR, 0).fh);
        assertEquals(0104755, fs.modeOf("/tool"), "root keeps the bits");
        FakeReply writer = open(tool, O_WRONLY, 1000);
        assertNull(writer.error);
        assertEquals(0100755, fs.modeOf("/tool"));
        release(tool, writer.fh);
        long group = lookupId(1, "group");
        release(group, open(group, O_WRONLY, 1000).fh);
        assertEquals(0100775, fs.modeOf("/group"));
        long nogx = lookupId(1, "nogx");
        release(nogx, open(nogx, O_WRONLY, 1000).fh);
        assertEquals(0102745, fs.modeOf("/nogx"), "set-group-ID without group execute is mandatory locking: kept");
    }

    @Test
    void javaServedWritersKeepTheBitsUntilTheKernelSaysKill() throws Exception {
        MemoryFileSystem fs = new MemoryFileSystem("mem").file("/tool", "x").mode("/tool", 04755, 1000);
        core(Map.of(), backend("mem", 1, fs));
        long tool = lookupId(1, "tool");
        FakeReply writer = open(tool, O_WRONLY, 1000);
        assertEquals(0104755, fs.modeOf("/tool"), "Java-served writes carry KILL_SUIDGID themselves");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocateFrom("y", StandardCharsets.UTF_8).asSlice(0, 1);
            FakeReply written = session.send(new Request.Write(FakeHeader.as(1000, 16, tool), writer.fh, 0, data,
                    true, 0));
            assertEquals(1, written.written);
        }
        assertEquals(0100755, fs.modeOf("/tool"));
        release(tool, writer.fh);
        fs.mode("/tool", 04755, 1000);
        FakeReply truncating = session.send(new Request.Open(FakeHeader.as(1000, 14, tool), O_WRONLY | 01000, true));
        assertEquals(0100755, fs.modeOf("/tool"), "FUSE_OPEN_KILL_SUIDGID honoured");
        release(tool, truncating.fh);
    }

    @Test
    void backendExceptionsBecomeErrnoOrEio() throws Exception {
        MemoryFileSystem fs = new MemoryFileSystem("mem") {
            @Override
            public String readlink(fuse.api.Caller caller, fuse.api.Node node) {
                throw new IllegalStateException("bug");
            }
        };
        MountCore core = core(Map.of("negative_timeout", 0), backend("mem", 1, fs));
        assertEquals(Errno.ENOENT, lookup(1, "missing").error);
        assertEquals(Errno.EIO, session.send(new Request.ReadLink(FakeHeader.of(5, 1))).error);
        assertEquals(1, core.statistics().internalErrors());
        assertEquals(1, core.statistics().operations().get("READLINK").errors());
        assertEquals(Errno.EBADF, read(1, 999, 10).error);
    }

    @Test
    void aMissingNameIsANegativeEntryForTheNegativeTimeout() throws Exception {
        core(Map.of("entry_timeout", 5), backend("mem", 1, new MemoryFileSystem("mem")));
        FakeReply missing = lookup(1, "missing");
        assertNull(missing.error);
        assertEquals(0, missing.entry.nodeId(), "node id 0: a negative entry");
        assertEquals(TimeUnit.SECONDS.toNanos(5), missing.entry.entryValidNanos(), "unset: the entry timeout");

        core(Map.of("entry_timeout", 5, "negative_timeout", 0.25), backend("mem", 1, new MemoryFileSystem("mem")));
        assertEquals(TimeUnit.MILLISECONDS.toNanos(250), lookup(1, "missing").entry.entryValidNanos());
    }

    @Test
    void requestsWaitForAMissingBackendAndFailWithEioAfterBackendWait() throws Exception {
        MountCore core = core(Map.of("backend_wait", "0.3"));
        assertEquals(MountState.WAITING_FOR_BACKEND, core.state());
        assertEquals(1, mounts, "mounted without a backend");
        long start = System.nanoTime();
        assertEquals(Errno.EIO, lookup(1, "a").error);
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(250));
        assertEquals(1, core.statistics().backendTimeouts());

        MemoryFileSystem fs = new MemoryFileSystem("mem").file("/a", "x");
        core.reconfigure(MountConfig.parse("test", Map.of("mountpoint", mountpoint.toString(), "backend", "mem",
                "backend_wait", "10")), MountCore.byName("mem"));
        long waitsBefore = core.statistics().backendWaits();
        CompletableFuture<FakeReply> waiting = CompletableFuture.supplyAsync(() -> lookup(1, "a"));
        Wait.until(Duration.ofSeconds(5), "the lookup to wait at the gate",
                () -> core.statistics().backendWaits() > waitsBefore);
        core.backendAdded(backend("other", 2, new MemoryFileSystem("other")));
        assertEquals(MountState.WAITING_FOR_BACKEND, core.state(), "a backend of another name does not bind");
        core.backendAdded(backend("mem", 1, fs));
        assertEquals(MountState.SERVING, core.state());
        FakeReply reply = waiting.get(10, TimeUnit.SECONDS);
        assertNull(reply.error, "the waiting request is served once the backend appears");
        assertEquals("mem", core.backendName().orElseThrow());
    }

    @Test
    void probesAnsweredNoAreNotCountedAsErrors() throws Exception {
        MountCore core = core(Map.of("negative_timeout", 0), backend("mem", 1, new MemoryFileSystem("mem")));
        assertEquals(Errno.ENOENT, lookup(1, "missing").error);
        assertEquals(0, core.statistics().operations().get("LOOKUP").errors(), "a missing name is an answer");
        assertEquals(1, core.statistics().operations().get("LOOKUP").count());
        assertTrue(Dispatcher.isExpectedAnswer(new Request.GetXattr(FakeHeader.of(22, 1), "user.x", 0), Errno.ENODATA),
                "an unset attribute is an answer");
        assertTrue(Dispatcher.isExpectedAnswer(new Request.ListXattr(FakeHeader.of(23, 1), 0), Errno.ENODATA));
        assertFalse(Dispatcher.isExpectedAnswer(new Request.GetXattr(FakeHeader.of(22, 1), "user.x", 0), Errno.EIO));
        assertFalse(Dispatcher.isExpectedAnswer(new Request.Lookup(FakeHeader.of(1, 1), "x"), Errno.EACCES));
    }

    @Test
    void theBackendWaitIsOneDeadlinePerMountNotPerRequest() throws Exception {
        MemoryFileSystem fs = new MemoryFileSystem("mem").file("/a", "x");
        MountCore core = core(Map.of("backend_wait", "0.3"), backend("mem", 1, fs));
        assertTrue(core.backendWaitLeft().isEmpty(), "served: nothing to wait for");
        core.backendRemoved(backend("mem", 1, fs));
        java.time.Duration left = core.backendWaitLeft().orElseThrow();
        assertTrue(left.toMillis() > 0 && left.toMillis() <= 300, left::toString);
        assertEquals(Errno.EIO, lookup(1, "a").error);
        assertEquals(java.time.Duration.ZERO, core.backendWaitLeft().orElseThrow(), "the deadline passed");
        long start = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            assertEquals(Errno.EIO, lookup(1, "a").error);
        }
        assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(250),
                "after the mount's deadline requests fail at once, they do not wait again each");

        MemoryFileSystem again = new MemoryFileSystem("mem2").file("/a", "y");
        core.backendAdded(backend("mem", 2, again));
        assertNull(lookup(1, "a").error, "a returning backend serves at once");
        core.backendRemoved(backend("mem", 2, again));
        assertTrue(core.backendWaitLeft().orElseThrow().toMillis() > 0, "losing it again starts a new deadline");
    }

    @Test
    void anInterruptedRequestStopsWaitingForTheBackend() throws Exception {
        core(Map.of("backend_wait", "20"));
        long start = System.nanoTime();
        FakeReply reply = session.send(new Request.Lookup(new FakeHeader(8, 1, 1, 0, 0, 1, true), "a"));
        assertEquals(Errno.EINTR, reply.error);
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2));
    }

    @Test
    void aBackendThatRejectsTheConfigurationMeansNoMount() throws Exception {
        FileSystemBackend broken = ctx -> {
            throw new FuseException(Errno.ENOENT, "root: /srv/nowhere does not exist");
        };
        MountCore core = core(Map.of(), backend("mem", 1, broken));
        assertEquals(MountState.FAILED, core.state());
        assertEquals("backend mem: root: /srv/nowhere does not exist", core.problem().orElseThrow());
        assertEquals(0, mounts);
        assertTrue(core.retryWhenBackendAppears());
    }

    @Test
    void aMissingMountpointIsReportedByName() throws Exception {
        Path missing = mountpoint.resolve("nope");
        MountCore core = new MountCore(MountConfig.parse("test", Map.of("mountpoint", missing.toString())),
                MountCore.byName("local"), (o, h) -> {
                    throw new AssertionError("must not mount");
                });
        cores.add(core);
        core.start();
        assertEquals(MountState.FAILED, core.state());
        assertEquals("mountpoint: " + missing + " does not exist", core.problem().orElseThrow());
        Files.writeString(missing, "file");
        MountCore onFile = new MountCore(MountConfig.parse("test", Map.of("mountpoint", missing.toString())),
                MountCore.byName("local"), (o, h) -> null);
        cores.add(onFile);
        onFile.start();
        assertEquals("mountpoint: " + missing + " is not a directory", onFile.problem().orElseThrow());
    }

    @Test
    void swapResolvesNodesAgainByPathAndLeavesOpenFilesWithTheOldBackend() throws Exception {
        MemoryFileSystem old = new MemoryFileSystem("old").file("/d/f", "old data");
        MemoryFileSystem next = new MemoryFileSystem("new").file("/d/f", "new data").file("/d/g", "g");
        MountCore core = core(Map.of(), backend("mem", 1, old), backend("other", 2, next));
        long d = lookupId(1, "d");
        long f = lookupId(d, "f");
        FakeReply opened = open(f, O_RDONLY, 0);

        core.swap("other");
        assertEquals("other", core.backendName().orElseThrow());
        assertFalse(old.closed, "a file is still open on the old backend");
        assertEquals("old data", read(f, opened.fh, 100).data(), "the open file stays with its backend");
        FakeReply attrs = session.send(new Request.GetAttr(FakeHeader.of(3, f), -1));
        assertEquals(8, attrs.attributes.size(), "new data: the node was resolved again through the new backend");
        assertEquals(1, next.references("/d"));
        assertEquals(1, next.references("/d/f"));
        assertEquals(f, lookupId(d, "f"), "the kernel's inode survives the swap");
        assertEquals(d, lookupId(1, "d"));
        FakeReply newOpen = open(f, O_RDONLY, 0);
        assertEquals("new data", read(f, newOpen.fh, 100).data());
        release(f, newOpen.fh);

        release(f, opened.fh);
        assertTrue(old.closed, "the old file system closes with its last open file");
        Wait.until(Duration.ofSeconds(5), "the entry notification " + session.notifications,
                () -> session.notifications.contains("entry " + d + "/f"));
        assertTrue(session.notifications.contains("inode " + f), () -> "" + session.notifications);
        session.send(new Request.Forget(FakeHeader.of(2, f), f, 3));
        session.send(new Request.Forget(FakeHeader.of(2, d), d, 3));
        assertEquals(0, next.heldReferences(), "references of the new backend are balanced too");
        assertThrows(MountException.class, () -> core.swap("nothing"));
    }

    @Test
    void renamedAndUnlinkedNodesResolveByTheirCurrentName() throws Exception {
        MemoryFileSystem old = new MemoryFileSystem("old").file("/a", "1").file("/b", "2");
        MemoryFileSystem next = new MemoryFileSystem("new").file("/c", "1");
        MountCore core = core(Map.of(), backend("mem", 1, old), backend("other", 2, next));
        long a = lookupId(1, "a");
        long b = lookupId(1, "b");
        assertNull(session.send(new Request.Rename(FakeHeader.of(12, 1), "a", 1, "c", 0)).error);
        assertNull(session.send(new Request.Unlink(FakeHeader.of(10, 1), "b")).error);
        core.swap("other");
        assertNull(session.send(new Request.GetAttr(FakeHeader.of(3, a), -1)).error, "a is now c");
        assertEquals(Errno.ESTALE, session.send(new Request.GetAttr(FakeHeader.of(3, b), -1)).error,
                "b was unlinked: no path to resolve it again");
    }

    @Test
    void aDepartingBackendIsClosedAtOnceAndItsOpenFilesMoveToTheNext() throws Exception {
        MemoryFileSystem fs = new MemoryFileSystem("mem").file("/f", "data");
        MountCore core = core(Map.of("backend_wait", "5"), backend("mem", 1, fs));
        long f = lookupId(1, "f");
        FakeReply opened = open(f, O_RDONLY, 0);
        BackendRef ref = backend("mem", 1, fs);
        core.backendRemoved(ref);
        assertTrue(fs.closed, "closed although a file is open: its bundle is going away");
        assertEquals(MountState.WAITING_FOR_BACKEND, core.state());

        MemoryFileSystem again = new MemoryFileSystem("mem2").file("/f", "back");
        long waitsBefore = core.statistics().backendWaits();
        CompletableFuture<FakeReply> reading = CompletableFuture.supplyAsync(() -> read(f, opened.fh, 10));
        Wait.until(Duration.ofSeconds(5), "the read to wait at the gate",
                () -> core.statistics().backendWaits() > waitsBefore);
        assertFalse(reading.isDone(), "the open file's read waits for a backend");
        CompletableFuture<FakeReply> waiting = CompletableFuture.supplyAsync(
                () -> session.send(new Request.GetAttr(FakeHeader.of(3, f), -1)));
        core.backendAdded(backend("mem", 3, again));
        assertEquals(4, waiting.get(10, TimeUnit.SECONDS).attributes.size());
        assertEquals("back", reading.get(10, TimeUnit.SECONDS).data(), "the open file moved to the new backend");
        assertEquals(1, core.statistics().movedFiles());
        assertEquals(1, again.openHandles.get());
        assertEquals("back", read(f, opened.fh, 10).data(), "moved once, then served where it is");
        assertEquals(1, core.statistics().movedFiles());
        assertNull(release(f, opened.fh).error);
        assertEquals(0, again.openHandles.get(), "released on the backend it moved to");
    }

    @Test
    void anOpenFileWhoseBackendNeverReturnsFailsWithEioAfterBackendWait() throws Exception {
        MemoryFileSystem fs = new MemoryFileSystem("mem").file("/f", "data").file("/g", "gone");
        MountCore core = core(Map.of("backend_wait", "0.3"), backend("mem", 1, fs));
        long f = lookupId(1, "f");
        long g = lookupId(1, "g");
        FakeReply opened = open(f, O_RDONLY, 0);
        FakeReply unlinked = open(g, O_RDONLY, 0);
        assertNull(session.send(new Request.Unlink(FakeHeader.of(10, 1), "g")).error);
        core.backendRemoved(backend("mem", 1, fs));
        long start = System.nanoTime();
        assertEquals(Errno.EIO, read(f, opened.fh, 10).error);
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(250), "it waited backend_wait");
        assertNull(release(f, opened.fh).error);

        MemoryFileSystem again = new MemoryFileSystem("mem2").file("/f", "back");
        core.backendAdded(backend("mem", 2, again));
        assertEquals(Errno.EIO, read(g, unlinked.fh, 10).error, "unlinked while open: no name to open it by");
        assertNull(release(g, unlinked.fh).error);
        assertEquals(0, again.openHandles.get());
    }

    @Test
    void filesLeftOnASwappedOutBackendMoveWhenThatBackendGoesAway() throws Exception {
        MemoryFileSystem old = new MemoryFileSystem("old").file("/f", "old data");
        MemoryFileSystem next = new MemoryFileSystem("new").file("/f", "new data");
        MountCore core = core(Map.of(), backend("mem", 1, old), backend("other", 2, next));
        long f = lookupId(1, "f");
        FakeReply opened = open(f, O_RDONLY, 0);
        core.swap("other");
        assertEquals("old data", read(f, opened.fh, 100).data(), "a swap leaves open files where they are");
        core.backendRemoved(backend("mem", 1, old));
        assertTrue(old.closed);
        assertEquals("new data", read(f, opened.fh, 100).data(), "its bundle left: the file moved");
        assertEquals(MountState.SERVING, core.state());
        assertNull(release(f, opened.fh).error);
        assertEquals(0, next.openHandles.get());
    }

    @Test
    void changedBackendSettingsReopenABackendThatCannotReconfigure() throws Exception {
        List<Map<String, Object>> opens = new ArrayList<>();
        FileSystemBackend backend = ctx -> {
            opens.add(ctx.configuration());
            return new MemoryFileSystem("mem" + opens.size()).file("/f", "x");
        };
        MountCore core = core(Map.of("policy", "always"), backend("mem", 1, backend));
        core.reconfigure(MountConfig.parse("test", Map.of("mountpoint", mountpoint.toString(), "backend", "mem",
                "policy", "never", "attr_timeout", "5")), MountCore.byName("mem"));
        assertEquals(2, opens.size());
        assertEquals("never", opens.get(1).get("policy"));
        assertEquals(5_000_000_000L, core.attrTimeoutNanos());
        assertEquals(1, mounts, "no remount");

        List<Map<String, Object>> applied = new ArrayList<>();
        Supplier<FileSystem> reconfigurable = () -> new MemoryFileSystem("r") {
            @Override
            public void reconfigure(Map<String, Object> configuration) throws FuseException {
                if ("bad".equals(configuration.get("policy"))) {
                    throw new FuseException(Errno.EINVAL, "policy: unknown value 'bad'");
                }
                applied.add(configuration);
            }
        };
        MountCore second = core(Map.of("policy", "always"), backend("mem", 1, ctx -> reconfigurable.get()));
        second.reconfigure(MountConfig.parse("test", Map.of("mountpoint", mountpoint.toString(), "backend", "mem",
                "policy", "never")), MountCore.byName("mem"));
        assertEquals(1, applied.size());
        second.reconfigure(MountConfig.parse("test", Map.of("mountpoint", mountpoint.toString(), "backend", "mem",
                "policy", "bad")), MountCore.byName("mem"));
        assertEquals("backend mem: policy: unknown value 'bad'", second.problem().orElseThrow());
        assertEquals(MountState.SERVING, second.state());
    }

    @Test
    void closeUnmountsReleasesEverythingAndClosesTheBackend() throws Exception {
        MemoryFileSystem fs = new MemoryFileSystem("mem").file("/f", "data").passthroughFor(n -> true);
        MountCore core = core(Map.of(), backend("mem", 1, fs));
        long f = lookupId(1, "f");
        open(f, O_RDONLY, 0);
        assertEquals(1, session.liveIds.size());
        core.close();
        assertEquals(1, session.closes);
        assertTrue(session.liveIds.isEmpty());
        assertEquals(0, core.passthrough().liveIds());
        assertEquals(0, fs.openHandles.get());
        assertTrue(fs.closed);
        assertEquals(MountState.UNMOUNTED, core.state());
        assertEquals(-1, core.connectionId());
    }

    @Test
    void anExternalUnmountEndsTheMountCleanly() throws Exception {
        MemoryFileSystem fs = new MemoryFileSystem("mem").file("/f", "data");
        MountCore core = core(Map.of(), backend("mem", 1, fs));
        long f = lookupId(1, "f");
        open(f, O_RDONLY, 0);
        session.close(); // the channel saw ENODEV
        assertEquals(MountState.UNMOUNTED, core.state());
        assertEquals(0, fs.openHandles.get());
        Wait.until(Duration.ofSeconds(5), "the file system to close", () -> fs.closed);
    }

    @Test
    void setattrWithAnOpenFileGoesToItsHandle() throws Exception {
        MemoryFileSystem fs = new MemoryFileSystem("mem").file("/f", "data");
        core(Map.of(), backend("mem", 1, fs));
        long f = lookupId(1, "f");
        FakeReply opened = open(f, O_RDWR, 0);
        FakeReply truncated = session.send(new Request.SetAttr(FakeHeader.of(4, f), opened.fh,
                AttributeChanges.NONE.withSize(2)));
        assertEquals(2, truncated.attributes.size());
        assertEquals("da", fs.content("/f"));
        release(f, opened.fh);
    }
}
