package fuse.mount.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import fuse.api.Attributes;
import fuse.api.Errno;
import fuse.api.FileSystemStats;
import fuse.channel.DirectoryReply;
import fuse.channel.EntryOut;
import fuse.channel.Reply;

/** Records the one reply a handler sends; {@link #accept} says whether the "kernel" takes it. */
final class FakeReply implements Reply {
    /** Directory entries as sent. */
    record Dirent(String name, long inode, long nextOffset, int type, EntryOut entry) {
    }

    final boolean accept;
    int replies;
    Errno error;
    EntryOut entry;
    Attributes attributes;
    long fh = -1;
    int openFlags;
    int backingId;
    long written = -1;
    String link;
    int xattrSize = -1;
    long lseek;
    FileSystemStats statfs;
    MemorySegment buffer;
    int dataLength = -1;
    boolean ok;
    final List<Dirent> dirents = new ArrayList<>();
    int directoryCapacity = Integer.MAX_VALUE;
    /** What the kernel does as soon as it has the reply (asks for more, on another thread). */
    Runnable whenSent = () -> {
    };

    FakeReply() {
        this(true);
    }

    FakeReply(boolean accept) {
        this.accept = accept;
    }

    private boolean sent() {
        replies++;
        if (replies > 1) {
            throw new AssertionError("second reply to one request");
        }
        whenSent.run();
        return accept;
    }

    @Override
    public boolean error(Errno errno) {
        error = errno;
        return sent();
    }

    @Override
    public boolean ok() {
        ok = true;
        return sent();
    }

    @Override
    public boolean entry(EntryOut e) {
        entry = e;
        return sent();
    }

    @Override
    public boolean attributes(Attributes a, long validNanos) {
        attributes = a;
        return sent();
    }

    @Override
    public boolean open(long handle, int flags, int id) {
        fh = handle;
        openFlags = flags;
        backingId = id;
        return sent();
    }

    @Override
    public boolean create(EntryOut e, long handle, int flags, int id) {
        entry = e;
        fh = handle;
        openFlags = flags;
        backingId = id;
        return sent();
    }

    @Override
    public boolean written(long size) {
        written = size;
        return sent();
    }

    @Override
    public boolean statfs(FileSystemStats stats) {
        statfs = stats;
        return sent();
    }

    @Override
    public boolean readlink(String target) {
        link = target;
        return sent();
    }

    @Override
    public boolean xattrSize(int size) {
        xattrSize = size;
        return sent();
    }

    @Override
    public boolean lseek(long offset) {
        lseek = offset;
        return sent();
    }

    @Override
    public MemorySegment dataBuffer(int size) {
        buffer = Arena.ofAuto().allocate(size);
        return buffer;
    }

    @Override
    public boolean data(int length) {
        dataLength = length;
        return sent();
    }

    @Override
    public DirectoryReply directory() {
        return new DirectoryReply() {
            @Override
            public boolean plus() {
                return true;
            }

            @Override
            public boolean fits(String name) {
                return dirents.size() < directoryCapacity;
            }

            @Override
            public boolean add(long inode, long nextOffset, int direntType, String name) {
                if (!fits(name)) {
                    return false;
                }
                dirents.add(new Dirent(name, inode, nextOffset, direntType, null));
                return true;
            }

            @Override
            public boolean add(long inode, long nextOffset, int direntType, MemorySegment name) {
                return add(inode, nextOffset, direntType, fuse.posix.FileNames.decode(name));
            }

            @Override
            public boolean addPlus(EntryOut e, long nextOffset, int direntType, String name) {
                if (!fits(name)) {
                    return false;
                }
                dirents.add(new Dirent(name, e.attributes().inode(), nextOffset, direntType, e));
                return true;
            }

            @Override
            public void send() {
                sent();
            }
        };
    }

    String data() {
        return new String(buffer.asSlice(0, dataLength).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                java.nio.charset.StandardCharsets.UTF_8);
    }
}
