package fuse.backend.overlay.internal;

import static fuse.backend.overlay.internal.Acl.GROUP;
import static fuse.backend.overlay.internal.Acl.GROUP_OBJ;
import static fuse.backend.overlay.internal.Acl.MASK;
import static fuse.backend.overlay.internal.Acl.OTHER;
import static fuse.backend.overlay.internal.Acl.USER;
import static fuse.backend.overlay.internal.Acl.USER_OBJ;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import fuse.api.Attributes;

/** The ACL rules the overlay applies itself, against what the kernel's posix_acl.c does. */
class AclTest {
    private static final int NONE = -1;
    private static final int R = 4;
    private static final int W = 2;
    private static final int X = 1;
    /** Owned by 0:50, mode 0640. */
    private static final Attributes FILE =
            Attributes.builder(1, 0100640).linkCount(1).owner(0, 50).blockSize(4096).build();

    private static Acl acl(int... tagPermId) {
        List<Acl.Entry> entries = new java.util.ArrayList<>();
        for (int i = 0; i < tagPermId.length; i += 3) {
            entries.add(new Acl.Entry(tagPermId[i], tagPermId[i + 1], tagPermId[i + 2]));
        }
        return new Acl(List.copyOf(entries));
    }

    private static final Acl NAMED = acl(USER_OBJ, R | W, NONE, USER, R | W, 1000, GROUP_OBJ, R, NONE,
            GROUP, R | W, 60, MASK, R, NONE, OTHER, 0, NONE);

    @Test
    void aNamedUserIsLimitedByTheMask() {
        assertTrue(NAMED.permits(1000, 1000, FILE, R));
        assertFalse(NAMED.permits(1000, 1000, FILE, W), "rw- behind mask r--");
    }

    @Test
    void theOwnerHasTheOwnerEntryAndOthersTheOtherEntry() {
        assertTrue(NAMED.permits(0, 0, FILE, R | W));
        assertFalse(NAMED.permits(2000, 2000, FILE, R), "other ---");
    }

    @Test
    void aMatchingGroupThatDoesNotGrantDeniesEvenWhereOtherWould() {
        Acl acl = acl(USER_OBJ, 7, NONE, GROUP_OBJ, 0, NONE, MASK, 7, NONE, OTHER, R, NONE);
        assertFalse(acl.permits(2000, 50, FILE, R), "owning group --- beats other r--");
        assertTrue(acl.permits(2000, 51, FILE, R));
        assertTrue(NAMED.permits(2000, 60, FILE, R), "named group rw-, mask r--");
        assertFalse(NAMED.permits(2000, 60, FILE, W));
    }

    @Test
    void inheritingLimitsOwnerMaskAndOtherByTheModeAndTheModeFollows() {
        Acl dflt = acl(USER_OBJ, 7, NONE, USER, 7, 65534, GROUP_OBJ, R | X, NONE, MASK, 7, NONE, OTHER, R | X, NONE);
        Acl file = dflt.inherit(0666);
        assertEquals(acl(USER_OBJ, R | W, NONE, USER, 7, 65534, GROUP_OBJ, R | X, NONE, MASK, R | W, NONE, OTHER, R,
                NONE), file);
        assertEquals(0664, file.mode(0666));
        assertTrue(file.extended());
        Acl minimal = acl(USER_OBJ, 7, NONE, GROUP_OBJ, R | X, NONE, OTHER, R | X, NONE).inherit(0640);
        assertEquals(0640, minimal.mode(0640), "without a mask the owning group entry is limited");
        assertFalse(minimal.extended());
    }

    @Test
    void theXattrFormatRoundTrips() {
        assertEquals(NAMED, Acl.decode(NAMED.encode()));
        assertArrayEquals(new byte[] {2, 0, 0, 0, 1, 0, 6, 0, -1, -1, -1, -1},
                acl(USER_OBJ, R | W, NONE).encode());
        assertNull(Acl.decode(new byte[] {1, 0, 0, 0}), "an unknown version is no ACL");
    }
}
