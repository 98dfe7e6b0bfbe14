package fuse.channel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import fuse.api.Attributes;
import fuse.api.Errno;
import fuse.api.FileSystemStats;
import fuse.api.TimeSpec;
import fuse.channel.DirectoryReply;
import fuse.channel.EntryOut;
import fuse.channel.InitResult;
import fuse.channel.MountOptions;
import fuse.channel.Reply;
import fuse.channel.Request;
import fuse.channel.kernel.FuseKernel;
import fuse.channel.kernel.FuseOpcode;

/** The protocol without a kernel: malformed input, INIT, the one-reply rule, encodings and interrupts. */
class DispatcherTest {
    /** The INIT flags Linux 6.18 offered (include/uapi/linux/fuse.h numbers them). */
    private static final long KERNEL_FLAGS = 0x5fd73fffffbL;
    private static final Attributes ATTR = Attributes.builder(77, 0100644).size(1000).blocks(2)
            .atime(new TimeSpec(1, 2)).mtime(new TimeSpec(3, 4)).ctime(new TimeSpec(5, 6)).linkCount(1).owner(10, 20)
            .blockSize(4096).build();

    private final List<Request> seen = new ArrayList<>();
    private BiConsumer<Request, Reply> behaviour = (request, reply) -> {
        if (!(request instanceof Request.Forget || request instanceof Request.BatchForget)) {
            reply.error(Errno.ENOSYS);
        }
    };
    private final Wire wire = new Wire((request, reply) -> {
        seen.add(request);
        behaviour.accept(request, reply);
    }, MountOptions.defaults(Path.of("/mnt"), "test"));

    @AfterEach
    void close() {
        wire.close();
    }

    private Wire.Out only() {
        assertEquals(1, wire.capture.messages.size(), "exactly one message");
        return wire.last();
    }

    // ---- malformed and unknown input

    @Test
    void aReadShorterThanTheHeaderIsDropped() {
        wire.raw(0, new byte[20]);
        assertEquals(List.of(), wire.capture.messages);
        assertEquals(List.of(), seen);
    }

    @Test
    void aLengthThatDisagreesWithTheReadIsAnsweredEio() {
        wire.raw(0, Wire.header(100, 1, 10, 1, 0), Wire.bytes("name"));
        Wire.Out out = only();
        assertEquals(-Errno.EIO.code(), out.error());
        assertEquals(10, out.unique());
        assertEquals(16, out.length());
        assertEquals(List.of(), seen);
    }

    @Test
    void unknownOpcodesAreAnsweredEnosys() {
        wire.send(99, 10, 1);
        wire.send(4096, 12, 1); // CUSE_INIT
        wire.send(7, 14, 1);
        assertEquals(3, wire.capture.messages.size());
        wire.capture.messages.forEach(m -> assertEquals(-Errno.ENOSYS.code(), m.error()));
        assertEquals(List.of(), seen);
    }

    @Test
    void everyOpcodeWithTruncatedArgumentsIsAnsweredEioOrDropped() {
        for (FuseOpcode op : FuseOpcode.values()) {
            int size = op.argSize(false);
            if (size == 0) {
                continue;
            }
            wire.capture.messages.clear();
            wire.send(op.code(), 100 + op.code() * 2L, 1, new byte[size - 1]);
            if (op.noReply()) {
                assertEquals(List.of(), wire.capture.messages, op.name());
            } else {
                assertEquals(-Errno.EIO.code(), only().error(), op.name());
            }
        }
        assertEquals(List.of(), seen, "nothing malformed reaches the handler");
    }

    @Test
    void namesMustBeTerminatedInsideTheArguments() {
        wire.send(1, 10, 1, "abc".getBytes(StandardCharsets.UTF_8)); // LOOKUP without NUL
        assertEquals(-Errno.EIO.code(), only().error());
        wire.capture.messages.clear();
        wire.send(12, 12, 1, 5L, "only-one-name"); // RENAME needs two names
        assertEquals(-Errno.EIO.code(), only().error());
        wire.capture.messages.clear();
        // The NUL lies only in the extension area: still malformed.
        wire.sendOn(0, 1, 14, 1, 1, "abcdefgh".getBytes(StandardCharsets.UTF_8), new byte[8]);
        assertEquals(-Errno.EIO.code(), only().error());
        assertEquals(List.of(), seen);
    }

    @Test
    void dataLengthsAreChecked() {
        wire.send(16, 10, 2, 1L, 0L, 100, 0, 0L, 0, 0, new byte[99]); // WRITE of 100 with 99 bytes
        assertEquals(-Errno.EIO.code(), only().error());
        wire.capture.messages.clear();
        wire.send(42, 12, 0, 3, 0, 5L, 1L, 6L, 1L); // BATCH_FORGET of 3 with 2 items: dropped, no reply
        assertEquals(List.of(), wire.capture.messages);
        wire.send(21, 14, 2, 50, 0, "user.x", new byte[10]); // SETXATTR of 50 with 10 bytes
        assertEquals(-Errno.EIO.code(), only().error());
        assertEquals(List.of(), seen);
    }

    @Test
    void garbageNeverEscapesAndEveryReplyIsWellFormed() {
        Random random = new Random(1234);
        int expectedReplies = 0;
        for (int i = 0; i < 20_000; i++) {
            int opcode = random.nextInt(60);
            byte[] body = new byte[random.nextInt(200)];
            random.nextBytes(body);
            if (opcode == 26 || opcode == 38 || opcode == 36) {
                continue; // INIT/DESTROY/INTERRUPT change session state; covered below
            }
            int before = wire.capture.messages.size();
            wire.raw(0, Wire.header(40 + body.length, opcode, 2L * i + 2, random.nextInt(5), 0), body);
            FuseOpcode op = FuseOpcode.of(opcode);
            int replies = wire.capture.messages.size() - before;
            assertEquals(op != null && op.noReply() ? 0 : 1, replies, "opcode " + opcode);
            expectedReplies += replies;
        }
        for (Wire.Out out : wire.capture.messages) {
            assertTrue(out.error() <= 0 && out.length() == 16 + out.payload().remaining());
        }
        assertEquals(expectedReplies, wire.capture.messages.size());
    }

    @Test
    void extensionsAfterTheArgumentsAreSkipped() {
        behaviour = (request, reply) -> reply.error(Errno.ENOENT);
        wire.sendOn(0, 1, 10, 1, 2, "name", new byte[3], Wire.bytes(16, 32, new byte[8]));
        assertEquals(new Request.Lookup(((Request.Lookup) seen.getFirst()).header(), "name"), seen.getFirst());
        assertEquals(-Errno.ENOENT.code(), only().error());
    }

    // ---- INIT

    @Test
    void initNegotiatesTheFlagsAndRepliesWithAFullInitOut() {
        wire.init(KERNEL_FLAGS);
        Wire.Out out = only();
        assertEquals(0, out.error());
        assertEquals(16 + 64, out.length());
        ByteBuffer init = out.payload();
        assertEquals(7, init.getInt(0));
        assertEquals(45, init.getInt(4));
        assertEquals(131072, init.getInt(8), "max_readahead echoed");
        long flags = Integer.toUnsignedLong(init.getInt(12)) | (Integer.toUnsignedLong(init.getInt(32)) << 32);
        assertEquals(InitNegotiation.WANTED | InitResult.PASSTHROUGH, flags);
        assertEquals(0x20, init.getInt(32) & 0x20, "PASSTHROUGH is flags2 bit 5");
        assertEquals(0, flags & InitResult.WRITEBACK_CACHE);
        assertEquals(1 << 20, init.getInt(20), "max_write");
        assertEquals(256, init.getShort(28), "max_pages");
        assertEquals(1, init.getInt(24), "time_gran");
        assertEquals(1, init.getInt(36), "max_stack_depth");
        InitResult result = wire.events.initialized.getFirst();
        assertTrue(result.passthrough());
        assertEquals(List.of(true), wire.events.answered);
        assertEquals(result, wire.dispatcher.init());
    }

    @Test
    void initWithoutPassthroughOrInitExtAsksForNeither() {
        try (Wire plain = new Wire((r, reply) -> reply.error(Errno.ENOSYS),
                MountOptions.defaults(Path.of("/mnt"), "t").withPassthrough(false, 2))) {
            plain.init(KERNEL_FLAGS);
            assertEquals(0, plain.last().payload().getInt(36), "max_stack_depth 0 when not asking");
            assertFalse(plain.events.initialized.getFirst().passthrough());
        }
        try (Wire old = new Wire((r, reply) -> reply.error(Errno.ENOSYS),
                MountOptions.defaults(Path.of("/mnt"), "t"))) {
            old.init(KERNEL_FLAGS & ~InitResult.INIT_EXT);
            assertEquals(0, old.last().payload().getInt(32), "flags2 is ignored without INIT_EXT");
            assertFalse(old.events.initialized.getFirst().passthrough());
        }
    }

    @Test
    void posixAclWithDontMaskOnlyWhereTheKernelChecksPermissions() {
        MountOptions own = MountOptions.defaults(Path.of("/m"), "t");
        InitResult serverChecks = new InitNegotiation(own, 256).negotiate(7, 45, 0, KERNEL_FLAGS);
        assertFalse(serverChecks.has(InitResult.POSIX_ACL), "POSIX_ACL would force default_permissions on");
        assertFalse(serverChecks.has(InitResult.DONT_MASK));

        MountOptions kernelChecks = own.withPermissions(true, true);
        InitResult acl = new InitNegotiation(kernelChecks, 256).negotiate(7, 45, 0, KERNEL_FLAGS);
        assertTrue(acl.has(InitResult.POSIX_ACL));
        assertTrue(acl.has(InitResult.DONT_MASK), "the umask is the server's to apply (default ACLs replace it)");

        InitResult noAcl = new InitNegotiation(kernelChecks, 256).negotiate(7, 45, 0,
                KERNEL_FLAGS & ~InitResult.POSIX_ACL);
        assertFalse(noAcl.has(InitResult.DONT_MASK), "without ACLs the kernel keeps applying the umask");
    }

    @Test
    void theWritebackCacheIsAskedForOnlyWhenWantedAndNeverWithPassthrough() {
        MountOptions plain = MountOptions.defaults(Path.of("/m"), "t");
        MountOptions writeback = plain.withWritebackCache(true);
        assertFalse(writeback.passthrough(), "asking for the writeback cache turns passthrough off");
        InitResult result = new InitNegotiation(writeback, 256).negotiate(7, 45, 0, KERNEL_FLAGS);
        assertTrue(result.has(InitResult.WRITEBACK_CACHE));
        assertFalse(result.has(InitResult.PASSTHROUGH));
        assertFalse(result.passthrough());
        assertFalse(new InitNegotiation(plain, 256).negotiate(7, 45, 0, KERNEL_FLAGS)
                .has(InitResult.WRITEBACK_CACHE));
        assertFalse(writeback.withPassthrough(true, 1).writebackCache(), "passthrough back on drops it again");
        assertThrows(IllegalArgumentException.class, () -> new MountOptions(Path.of("/m"), "t", "t", 1, false, false,
                true, 1, MountOptions.DEFAULT_MAX_WRITE, false, true));
    }

    @Test
    void maxPagesIsCappedByTheKernelLimit() {
        InitResult result = new InitNegotiation(MountOptions.defaults(Path.of("/m"), "t"), 32)
                .negotiate(7, 45, 0, KERNEL_FLAGS);
        assertEquals(32, result.maxPages());
        assertEquals(32 * 4096, result.maxWrite());
    }

    @Test
    void anOldKernelIsRefusedAndANewerMajorGetsOurVersion() {
        wire.send(26, 2, 0, 7, 20, 0, 0);
        assertEquals(-Errno.EPROTONOSUPPORT.code(), only().error());
        wire.capture.messages.clear();
        wire.send(26, 4, 0, 8, 0, 0, 0);
        assertEquals(0, only().error());
        assertEquals(7, wire.last().payload().getInt(0));
        assertEquals(List.of(), wire.events.initialized);
    }

    @Test
    void setxattrHeaderSizeFollowsSetxattrExt() {
        behaviour = (request, reply) -> reply.ok();
        wire.send(21, 10, 2, 3, 1, "user.a", "xyz".getBytes(StandardCharsets.UTF_8)); // 8-byte header
        Request.SetXattr before = (Request.SetXattr) seen.getLast();
        assertEquals("user.a", before.name());
        assertEquals("xyz", utf8(before.value()));
        assertEquals(1, before.flags());
        wire.init(KERNEL_FLAGS);
        wire.send(21, 12, 2, 3, 2, 0, 0, "user.b", "uvw".getBytes(StandardCharsets.UTF_8)); // 16-byte header
        Request.SetXattr after = (Request.SetXattr) seen.getLast();
        assertEquals("user.b", after.name());
        assertEquals("uvw", utf8(after.value()));
        assertEquals(2, after.flags());
        assertFalse(after.killSetGid());
        wire.send(21, 14, 2, 3, 0, FuseKernel.SETXATTR_ACL_KILL_SGID, 0, "system.posix_acl_access",
                "uvw".getBytes(StandardCharsets.UTF_8));
        Request.SetXattr acl = (Request.SetXattr) seen.getLast();
        assertEquals("system.posix_acl_access", acl.name());
        assertEquals(0, acl.flags());
        assertTrue(acl.killSetGid(), "FUSE_SETXATTR_ACL_KILL_SGID");
    }

    // ---- decoding

    @Test
    void setattrBecomesAttributeChanges() {
        behaviour = (request, reply) -> reply.attributes(ATTR, 0);
        int valid = FuseKernel.FATTR_MODE | FuseKernel.FATTR_SIZE | FuseKernel.FATTR_ATIME
                | FuseKernel.FATTR_ATIME_NOW | FuseKernel.FATTR_MTIME | FuseKernel.FATTR_FH
                | FuseKernel.FATTR_KILL_SUIDGID;
        wire.send(4, 10, 5, valid, 0, 9L, 123L, 0L, 11L, 22L, 33L, 1, 2, 3, 0644, 0, 7, 8, 0);
        Request.SetAttr setattr = (Request.SetAttr) seen.getFirst();
        assertEquals(9, setattr.fh());
        assertEquals(0644, setattr.changes().mode());
        assertEquals(123L, setattr.changes().size());
        assertEquals(null, setattr.changes().uid());
        assertEquals(TimeSpec.NOW, setattr.changes().atime());
        assertEquals(new TimeSpec(22, 2), setattr.changes().mtime());
        assertEquals(null, setattr.changes().ctime());
        assertTrue(setattr.changes().killPrivileges());
        assertEquals(16 + 104, only().length());

        wire.send(4, 12, 5, FuseKernel.FATTR_UID | FuseKernel.FATTR_GID, 0, 9L, 0L, 0L, 0L, 0L, 0L, 0, 0, 0, 0, 0,
                7, 8, 0);
        Request.SetAttr owner = (Request.SetAttr) seen.getLast();
        assertEquals(-1, owner.fh(), "no FATTR_FH: no file handle");
        assertEquals(7, owner.changes().uid());
        assertEquals(8, owner.changes().gid());
        assertFalse(owner.changes().killPrivileges());
    }

    @Test
    void requestsDecodeTheirFields() {
        List<String> data = new ArrayList<>();
        behaviour = (request, reply) -> {
            if (request instanceof Request.Write write) {
                data.add(utf8(write.data())); // a slice of the read buffer: valid only until the handler returns
            }
        };
        wire.send(45, 10, 3, 9L, 1, 0, "old", "new"); // RENAME2 NOREPLACE
        wire.send(12, 12, 3, 9L, "a", "b"); // RENAME
        wire.send(6, 14, 3, "link", "target/x"); // SYMLINK: name, then target
        wire.send(15, 16, 3, 5L, 4096L, 8192, 0, 0L, 02, 0); // READ
        wire.send(16, 18, 3, 5L, 0L, 4, 4, 0L, 01, 0, "data".getBytes(StandardCharsets.UTF_8)); // WRITE
        wire.send(2, 20, 8, 3L); // FORGET
        wire.send(42, 22, 0, 2, 0, 5L, 1L, 6L, 2L); // BATCH_FORGET
        wire.send(53, 24, 3, 1L, 2L, 4L, 5L, 6L, 7L, 0L); // COPY_FILE_RANGE_64
        wire.send(35, 26, 1, 0101, 0644, 022, 1, "new-file"); // CREATE with FUSE_OPEN_KILL_SUIDGID
        List<Request> expected = List.of(
                new Request.Rename(seen.get(0).header(), "old", 9, "new", 1),
                new Request.Rename(seen.get(1).header(), "a", 9, "b", 0),
                new Request.Symlink(seen.get(2).header(), "link", "target/x"));
        assertEquals(expected, seen.subList(0, 3));
        Request.Read read = (Request.Read) seen.get(3);
        assertEquals(List.of(5L, 4096L, 8192L, 2L), List.of(read.fh(), read.offset(), (long) read.size(),
                (long) read.flags()));
        Request.Write write = (Request.Write) seen.get(4);
        assertEquals(List.of("data"), data);
        assertEquals(4, write.data().byteSize());
        assertTrue(write.killPrivileges());
        assertEquals(new Request.Forget(seen.get(5).header(), 8, 3), seen.get(5));
        Request.BatchForget batch = (Request.BatchForget) seen.get(6);
        assertEquals(List.of(5L, 6L), List.of(batch.nodeIds()[0], batch.nodeIds()[1]));
        assertEquals(List.of(1L, 2L), List.of(batch.counts()[0], batch.counts()[1]));
        assertEquals(new Request.CopyFileRange(seen.get(7).header(), 1, 2, 4, 5, 6, 7, 0), seen.get(7));
        assertEquals(new Request.Create(seen.get(8).header(), "new-file", 0101, 0644, 022, true), seen.get(8));
        assertEquals(4242, seen.get(8).header().pid());
        assertEquals(35, seen.get(8).header().opcode());
        // Only the RENAME2/RENAME/SYMLINK/READ/WRITE/COPY/CREATE handlers did not reply: each got EIO.
        assertEquals(7, wire.capture.messages.size());
        wire.capture.messages.forEach(m -> assertEquals(-Errno.EIO.code(), m.error()));
    }

    @Test
    void theOtherRequestsDecodeTheirFields() {
        wire.send(3, 10, 3, 0, 0, 5L); // GETATTR without FUSE_GETATTR_FH: the fh field is not one
        wire.send(3, 12, 3, 1, 0, 5L); // GETATTR of an open file
        wire.send(8, 14, 3, 020644, 0x0801, 022, 0, "node"); // MKNOD
        wire.send(9, 16, 3, 0755, 022, "dir"); // MKDIR
        wire.send(13, 18, 3, 7L, "hard"); // LINK
        wire.send(14, 20, 3, 02, 1); // OPEN with FUSE_OPEN_KILL_SUIDGID
        wire.send(18, 22, 3, 5L, 02, 1, 0L); // RELEASE with FUSE_RELEASE_FLUSH
        wire.send(20, 24, 3, 5L, 1, 0); // FSYNC of the data only
        wire.send(22, 26, 3, 64, 0, "user.x"); // GETXATTR
        wire.send(23, 28, 3, 128, 0); // LISTXATTR
        wire.send(25, 30, 3, 5L, 0, 0, 99L); // FLUSH
        wire.send(27, 32, 3, 0200000, 0); // OPENDIR
        wire.send(28, 34, 3, 6L, 3L, 4096, 0, 0L, 0, 0); // READDIR
        wire.send(44, 36, 3, 6L, 4L, 8192, 0, 0L, 0, 0); // READDIRPLUS
        wire.send(29, 38, 3, 6L, 0, 0, 0L); // RELEASEDIR
        wire.send(30, 40, 3, 6L, 0, 0); // FSYNCDIR, data and metadata
        wire.send(34, 42, 3, 04, 0); // ACCESS
        wire.send(43, 44, 3, 5L, 10L, 20L, 1, 0); // FALLOCATE
        wire.send(46, 46, 3, 5L, 30L, 3, 0); // LSEEK
        List<Request> expected = List.of(
                new Request.GetAttr(seen.get(0).header(), -1),
                new Request.GetAttr(seen.get(1).header(), 5),
                new Request.MkNod(seen.get(2).header(), "node", 020644, 0x0801, 022),
                new Request.MkDir(seen.get(3).header(), "dir", 0755, 022),
                new Request.Link(seen.get(4).header(), 7, "hard"),
                new Request.Open(seen.get(5).header(), 02, true),
                new Request.Release(seen.get(6).header(), 5, 02, true),
                new Request.Fsync(seen.get(7).header(), 5, true),
                new Request.GetXattr(seen.get(8).header(), "user.x", 64),
                new Request.ListXattr(seen.get(9).header(), 128),
                new Request.Flush(seen.get(10).header(), 5, 99),
                new Request.OpenDir(seen.get(11).header(), 0200000),
                new Request.ReadDir(seen.get(12).header(), 6, 3, 4096, false),
                new Request.ReadDir(seen.get(13).header(), 6, 4, 8192, true),
                new Request.ReleaseDir(seen.get(14).header(), 6),
                new Request.FsyncDir(seen.get(15).header(), 6, false),
                new Request.Access(seen.get(16).header(), 04),
                new Request.Fallocate(seen.get(17).header(), 5, 10, 20, 1),
                new Request.Lseek(seen.get(18).header(), 5, 30, 3));
        assertEquals(expected, seen);
    }

    // ---- the one-reply rule

    @Test
    void aMissingReplyIsAnsweredEio() {
        behaviour = (request, reply) -> {
        };
        wire.send(3, 10, 1, 0, 0, 0L);
        assertEquals(-Errno.EIO.code(), only().error());
    }

    @Test
    void aSecondReplyThrowsToTheHandlerAndSendsNothing() {
        List<Throwable> thrown = new ArrayList<>();
        behaviour = (request, reply) -> {
            reply.ok();
            thrown.add(assertThrows(IllegalStateException.class, reply::ok));
            thrown.add(assertThrows(IllegalStateException.class, () -> reply.error(Errno.EIO)));
        };
        wire.send(10, 10, 1, "gone"); // UNLINK
        assertEquals(0, only().error());
        assertEquals(2, thrown.size());
    }

    @Test
    void aReplyOfTheWrongKindThrowsWithoutUsingUpTheReply() {
        behaviour = (request, reply) -> {
            assertThrows(IllegalStateException.class, () -> reply.entry(new EntryOut(2, 0, 0, 0, ATTR)));
            assertThrows(IllegalStateException.class, () -> reply.written(1));
            assertThrows(IllegalStateException.class, reply::directory);
            reply.attributes(ATTR, 1_500_000_000L);
        };
        wire.send(3, 10, 1, 0, 0, 0L);
        Wire.Out out = only();
        assertEquals(0, out.error());
        assertEquals(1, out.payload().getLong(0), "attr_valid seconds");
        assertEquals(500_000_000, out.payload().getInt(8), "attr_valid_nsec");
        assertEquals(77, out.payload().getLong(16), "attr.ino");
        assertEquals(0100644, out.payload().getInt(16 + 60), "attr.mode");
    }

    @Test
    void aThrowingHandlerIsAnsweredEioAndTheLoopGoesOn() {
        behaviour = (request, reply) -> {
            throw new IllegalArgumentException("backend bug");
        };
        wire.send(3, 10, 1, 0, 0, 0L);
        assertEquals(-Errno.EIO.code(), only().error());
    }

    @Test
    void forgetTakesNoReply() {
        List<Throwable> thrown = new ArrayList<>();
        behaviour = (request, reply) -> thrown.add(assertThrows(IllegalStateException.class, reply::ok));
        wire.send(2, 10, 5, 1L);
        assertEquals(List.of(), wire.capture.messages);
        assertEquals(1, thrown.size());
    }

    @Test
    void aReplyToAGoneRequestReturnsFalse() {
        List<Boolean> results = new ArrayList<>();
        behaviour = (request, reply) -> results.add(reply.open(1, Reply.FOPEN_PASSTHROUGH, 3));
        wire.capture.errno = Errno.ENOENT.code();
        wire.send(14, 10, 5, 0, 0);
        assertEquals(List.of(false), results);
        assertEquals(1, wire.capture.messages.size(), "written once, not retried or answered again");
    }

    @Test
    void channelOwnedOpcodes() {
        wire.send(31, 10, 1, new byte[48]); // GETLK
        assertEquals(-Errno.ENOSYS.code(), wire.last().error());
        wire.send(38, 12, 0); // DESTROY
        assertEquals(0, wire.last().error());
        assertEquals(1, wire.events.destroys);
        wire.send(41, 14, 0, new byte[40]); // NOTIFY_REPLY: nothing to answer
        assertEquals(2, wire.capture.messages.size());
        assertEquals(List.of(), seen);
    }

    // ---- encodings

    @Test
    void replyEncodings() {
        List<Wire.Out> outs = wire.capture.messages;
        EntryOut entry = new EntryOut(42, 3, 2_000_000_001L, 0, ATTR);
        behaviour = (request, reply) -> {
            switch (request) {
                case Request.Lookup r -> reply.entry(entry);
                case Request.Open r -> reply.open(9, Reply.FOPEN_PASSTHROUGH | Reply.FOPEN_DIRECT_IO, 5);
                case Request.OpenDir r -> reply.open(9, Reply.FOPEN_CACHE_DIR, 5);
                case Request.Create r -> reply.create(entry, 11, 0, 0);
                case Request.StatFs r -> reply.statfs(new FileSystemStats(1, 2, 3, 4, 5, 6, 7, 8));
                case Request.Write r -> reply.written(4);
                case Request.CopyFileRange r -> reply.written(r.header().opcode() == 53 ? 5L << 32 : 7);
                case Request.Lseek r -> reply.lseek(1 << 20);
                case Request.GetXattr r -> reply.xattrSize(300);
                case Request.ReadLink r -> reply.readlink("tärget");
                case Request.Read r -> {
                    MemorySegment data = reply.dataBuffer(r.size());
                    data.fill((byte) 'x');
                    reply.data(3);
                }
                default -> reply.error(Errno.ENOSYS);
            }
        };
        wire.send(1, 10, 1, "n");
        assertEquals(16 + 128, outs.getLast().length());
        ByteBuffer e = outs.getLast().payload();
        assertEquals(List.of(42L, 3L, 2L, 0L, 1L, 77L), List.of(e.getLong(0), e.getLong(8), e.getLong(16),
                e.getLong(24), (long) e.getInt(32), e.getLong(40)));

        wire.send(14, 12, 1, 0, 0);
        ByteBuffer open = outs.getLast().payload();
        assertEquals(16 + 16, outs.getLast().length());
        assertEquals(List.of(9L, 0x81L, 5L), List.of(open.getLong(0), (long) open.getInt(8), (long) open.getInt(12)));
        wire.send(27, 14, 1, 0, 0);
        assertEquals(0, outs.getLast().payload().getInt(12), "no backing id without FOPEN_PASSTHROUGH");

        wire.send(35, 16, 1, 0, 0644, 0, 0, "c");
        assertEquals(16 + 144, outs.getLast().length());
        assertEquals(11, outs.getLast().payload().getLong(128), "open_out follows entry_out");

        wire.send(17, 18, 1);
        ByteBuffer st = outs.getLast().payload();
        assertEquals(16 + 80, outs.getLast().length());
        assertEquals(List.of(1L, 5L, 6L, 7L, 8L), List.of(st.getLong(0), st.getLong(32), (long) st.getInt(40),
                (long) st.getInt(44), (long) st.getInt(48)));

        wire.send(16, 20, 1, 1L, 0L, 4, 0, 0L, 0, 0, new byte[4]);
        assertEquals(16 + 8, outs.getLast().length());
        assertEquals(4, outs.getLast().payload().getInt(0));
        wire.send(47, 22, 1, 1L, 2L, 4L, 5L, 6L, 7L, 0L);
        assertEquals(16 + 8, outs.getLast().length());
        assertEquals(7, outs.getLast().payload().getInt(0));
        assertEquals(0, outs.getLast().payload().getInt(4), "fuse_write_out padding");
        wire.send(53, 24, 1, 1L, 2L, 4L, 5L, 6L, 7L, 0L);
        assertEquals(5L << 32, outs.getLast().payload().getLong(0), "64-bit bytes_copied");

        wire.send(46, 26, 1, 1L, 0L, 3, 0);
        assertEquals(1 << 20, outs.getLast().payload().getLong(0));
        wire.send(22, 28, 1, 0, 0, "user.a");
        assertEquals(300, outs.getLast().payload().getInt(0));
        wire.send(5, 30, 1);
        assertEquals("tärget", StandardCharsets.UTF_8.decode(outs.getLast().payload()).toString());
        wire.send(15, 32, 1, 1L, 0L, 10, 0, 0L, 0, 0);
        assertEquals(16 + 3, outs.getLast().length());
    }

    @Test
    void directoryRecordsArePaddedToEightBytes() {
        List<Boolean> results = new ArrayList<>();
        behaviour = (request, reply) -> {
            DirectoryReply dir = reply.directory();
            if (dir.plus()) {
                results.add(dir.addPlus(new EntryOut(5, 0, 0, 0, ATTR), 1, 8, "p"));
                results.add(dir.addPlus(new EntryOut(0, 0, 0, 0, ATTR), 2, 4, "."));
            } else {
                results.add(dir.add(5, 1, 8, "a"));
                results.add(dir.add(6, 2, 8, "abcdefgh"));
                results.add(dir.add(7, 3, 4, "abcdefghi"));
                results.add(dir.fits("x"));
                results.add(dir.add(8, 4, 8, "does-not-fit"));
            }
            dir.send();
        };
        wire.send(28, 10, 1, 1L, 0L, 32 + 32 + 40, 0, 0L, 0, 0); // READDIR of exactly three records
        Wire.Out out = wire.last();
        assertEquals(List.of(true, true, true, false, false), results);
        assertEquals(16 + 104, out.length());
        ByteBuffer d = out.payload();
        assertEquals(List.of(5L, 1L, 1L, 8L), List.of(d.getLong(0), d.getLong(8), (long) d.getInt(16),
                (long) d.getInt(20)));
        assertEquals('a', d.get(24));
        assertEquals(0, d.get(25), "zero padding");
        assertEquals(8, d.getInt(32 + 16), "second namelen");
        assertEquals(9, d.getInt(64 + 16), "third namelen");

        results.clear();
        wire.send(44, 12, 1, 1L, 0L, 4096, 0, 0L, 0, 0);
        ByteBuffer p = wire.last().payload();
        assertEquals(16 + 160 + 160, wire.last().length());
        assertEquals(5, p.getLong(0), "entry_out.nodeid");
        assertEquals(77, p.getLong(128), "dirent.ino");
        assertEquals(1, p.getInt(128 + 16), "namelen");
        assertEquals('p', p.get(152));
        assertEquals(0, p.getLong(160), "nodeid 0: nothing for the kernel to cache");
        assertEquals(77, p.getLong(160 + 128), "but the dirent has the inode");
    }

    // ---- interrupts

    @Test
    void anInterruptDuringTheRequestIsSeenByTheHandler() {
        List<Boolean> flags = new ArrayList<>();
        behaviour = (request, reply) -> {
            flags.add(request.header().interrupted());
            // Another reader thread reads the INTERRUPT while this one handles the request.
            wire.sendOn(1, 36, 21, 0, 0, 20L);
            flags.add(request.header().interrupted());
            reply.error(Errno.EINTR);
        };
        wire.send(3, 20, 1, 0, 0, 0L);
        assertEquals(List.of(false, true), flags);
        assertEquals(1, wire.capture.messages.size(), "a known interrupt is not answered");
        assertEquals(-Errno.EINTR.code(), wire.last().error());
    }

    @Test
    void anInterruptThatOvertakesItsRequestIsRememberedAndAnsweredEagain() {
        List<Boolean> flags = new ArrayList<>();
        behaviour = (request, reply) -> {
            flags.add(request.header().interrupted());
            reply.error(Errno.EINTR);
        };
        wire.sendOn(1, 36, 31, 0, 0, 30L);
        assertEquals(-Errno.EAGAIN.code(), wire.last().error());
        assertEquals(31, wire.last().unique(), "the INTERRUPT's own unique");
        wire.send(3, 30, 1, 0, 0, 0L);
        wire.send(3, 32, 1, 0, 0, 0L);
        assertEquals(List.of(true, false), flags);
    }

    private static String utf8(MemorySegment segment) {
        return new String(segment.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    @Test
    void decodedRequestsAreTheRecordsOfThePublicApi() {
        behaviour = (request, reply) -> reply.error(Errno.ENOENT);
        wire.send(1, 10, 1, "ünïcode");
        assertInstanceOf(Request.Lookup.class, seen.getFirst());
        assertEquals("ünïcode", ((Request.Lookup) seen.getFirst()).name());
    }
}
