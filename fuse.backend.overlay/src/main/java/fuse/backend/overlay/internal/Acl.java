package fuse.backend.overlay.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import fuse.api.Attributes;
import fuse.posix.PosixException;

/**
 * A POSIX ACL as its {@code system.posix_acl_*} xattr holds it (version 2, then per entry tag u16, perm u16,
 * id u32, little-endian, sorted by tag and id), and the two things the kernel does with one that the overlay must
 * do itself, since it works on the layers with the server's credentials: the permission check
 * ({@code posix_acl_permission}) and the inheritance of a directory's default ACL by a new object
 * ({@code posix_acl_create}).
 */
record Acl(List<Entry> entries) {
    static final String ACCESS = "system.posix_acl_access";
    static final String DEFAULT = "system.posix_acl_default";

    private static final int VERSION = 2;
    static final int USER_OBJ = 0x01;
    static final int USER = 0x02;
    static final int GROUP_OBJ = 0x04;
    static final int GROUP = 0x08;
    static final int MASK = 0x10;
    static final int OTHER = 0x20;
    private static final int HEADER = 4;
    private static final int ENTRY = 8;

    record Entry(int tag, int perm, int id) {
        Entry withPerm(int newPerm) {
            return new Entry(tag, newPerm, id);
        }
    }

    /** The ACL {@code name} of the file at {@code procPath}; {@code null} where it has none. */
    static Acl read(String procPath, String name) throws PosixException {
        byte[] value = XattrIo.get(procPath, name, true);
        return value == null ? null : decode(value);
    }

    static Acl decode(byte[] value) {
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        if (value.length < HEADER || (value.length - HEADER) % ENTRY != 0 || b.getInt(0) != VERSION) {
            return null; // not an ACL this code knows: treated as none, the kernel checked it when it was set
        }
        List<Entry> entries = new ArrayList<>();
        for (int at = HEADER; at < value.length; at += ENTRY) {
            entries.add(new Entry(Short.toUnsignedInt(b.getShort(at)), Short.toUnsignedInt(b.getShort(at + 2)),
                    b.getInt(at + 4)));
        }
        return new Acl(List.copyOf(entries));
    }

    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(HEADER + ENTRY * entries.size()).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(VERSION);
        for (Entry e : entries) {
            b.putShort((short) e.tag).putShort((short) e.perm).putInt(e.id);
        }
        return b.array();
    }

    /** More than the three entries the mode bits say: worth an xattr of its own. */
    boolean extended() {
        return entries.size() > 3;
    }

    /**
     * {@code posix_acl_permission} for a caller that is not the owner (the owner's bits are the mode's): a named
     * user entry, else the owning or a named group entry that grants it (any match that does not grant denies),
     * each limited by the mask, else other. Only the primary group counts (FUSE sends no supplementary groups).
     */
    boolean permits(int uid, int gid, Attributes file, int want) {
        int mask = 07;
        for (Entry e : entries) {
            if (e.tag == MASK) {
                mask = e.perm;
            }
        }
        boolean groupFound = false;
        for (Entry e : entries) {
            switch (e.tag) {
                case USER_OBJ -> {
                    if (uid == file.uid()) {
                        return (e.perm & want) == want;
                    }
                }
                case USER -> {
                    if (e.id == uid) {
                        return (e.perm & mask & want) == want;
                    }
                }
                case GROUP_OBJ, GROUP -> {
                    if ((e.tag == GROUP_OBJ ? file.gid() : e.id) == gid) {
                        groupFound = true;
                        if ((e.perm & want) == want) {
                            return (e.perm & mask & want) == want;
                        }
                    }
                }
                case OTHER -> {
                    return !groupFound && (e.perm & want) == want;
                }
                default -> {
                    // MASK: read above
                }
            }
        }
        return false;
    }

    /**
     * {@code posix_acl_create_masq}: this default ACL as the access ACL of a new object created with
     * {@code mode}, each of owner, mask (or owning group without one) and other limited by the mode's bits; the
     * object's mode follows from it ({@link #mode}).
     */
    Acl inherit(int mode) {
        boolean hasMask = entries.stream().anyMatch(e -> e.tag == MASK);
        List<Entry> out = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            out.add(switch (e.tag) {
                case USER_OBJ -> e.withPerm(e.perm & (mode >> 6) & 7);
                case MASK -> e.withPerm(e.perm & (mode >> 3) & 7);
                case GROUP_OBJ -> hasMask ? e : e.withPerm(e.perm & (mode >> 3) & 7);
                case OTHER -> e.withPerm(e.perm & mode & 7);
                default -> e;
            });
        }
        return new Acl(List.copyOf(out));
    }

    /** The permission bits this access ACL stands for (group bits: the mask's), set-id bits from {@code mode}. */
    int mode(int mode) {
        int owner = 0;
        int group = 0;
        int other = 0;
        Integer mask = null;
        for (Entry e : entries) {
            switch (e.tag) {
                case USER_OBJ -> owner = e.perm;
                case GROUP_OBJ -> group = e.perm;
                case MASK -> mask = e.perm;
                case OTHER -> other = e.perm;
                default -> {
                    // named entries: behind the mask
                }
            }
        }
        return (mode & 07000) | owner << 6 | (mask != null ? mask : group) << 3 | other;
    }
}
