package fuse.passthrough.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import fuse.api.Errno;
import fuse.channel.BackingException;
import fuse.channel.BackingFiles;

/** The kernel's backing-id table as the ioctls show it: cyclic ids from 1, ENOENT for an unknown id. */
class FakeBackingFiles implements BackingFiles {
    final Set<Integer> live = ConcurrentHashMap.newKeySet();
    final AtomicInteger opens = new AtomicInteger();
    private final AtomicInteger next = new AtomicInteger(1);
    volatile Errno refuseWith;
    volatile boolean negotiated = true;

    @Override
    public int open(int fd) throws BackingException {
        opens.incrementAndGet();
        Errno refusal = refuseWith;
        if (refusal != null) {
            throw BackingException.of(refusal, negotiated, "fd " + fd);
        }
        int id = next.getAndIncrement();
        live.add(id);
        return id;
    }

    @Override
    public void close(int backingId) throws BackingException {
        if (!live.remove(backingId)) {
            throw new BackingException.UnknownId(Errno.ENOENT, "id " + backingId);
        }
    }
}
