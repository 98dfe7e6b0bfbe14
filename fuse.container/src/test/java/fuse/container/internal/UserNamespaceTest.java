package fuse.container.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class UserNamespaceTest {

    @Test
    void theInitialNamespaceMapsEveryone() {
        UserNamespace initial = UserNamespace.parse(List.of("         0          0 4294967295"), 65534);
        assertTrue(initial.isInitial());
        assertFalse(initial.isUnmapped(65534), "nobody's files are nobody's");
    }

    @Test
    void underMapRootUserOnlyTheOverflowUidIsSomeoneOutside() {
        // unshare --user --map-root-user, run by uid 1000
        UserNamespace rootless = UserNamespace.parse(List.of("         0       1000          1"), 65534);
        assertFalse(rootless.isInitial());
        assertTrue(rootless.isUnmapped(65534), "the real root's / shows as the overflow uid");
        assertFalse(rootless.isUnmapped(0));
        assertFalse(rootless.isUnmapped(1000), "not the overflow uid: an ordinary owner, checked as such");
    }

    @Test
    void aNamespaceThatMapsTheOverflowUidHasARealOwnerOfThatNumber() {
        // unshare --map-auto: a subordinate range that covers 65534 inside
        UserNamespace mapped = UserNamespace.parse(List.of("0 1000 1", "1 100000 65536"), 65534);
        assertFalse(mapped.isUnmapped(65534));
    }
}
