package fuse.channel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MountTableTest {
    @Test
    void parsesAFuseLineWithEscapesAndOptionalFields() {
        MountTable.Mount mount = MountTable.parse("412 29 0:61 / /tmp/with\\040space rw,nosuid,nodev,relatime "
                + "shared:5 master:1 - fuse.chtest my\\134source rw,user_id=0,group_id=0");
        assertEquals(412, mount.id());
        assertEquals("/tmp/with space", mount.mountPoint());
        assertEquals("fuse.chtest", mount.fsType());
        assertEquals("my\\source", mount.source());
        assertEquals(61, mount.device(), "fusectl names the connection by major << 20 | minor");
        assertTrue(mount.isFuse());
    }

    @Test
    void deviceNumberOfANonzeroMajor() {
        MountTable.Mount mount = MountTable.parse("1 0 8:3 / / rw - ext4 /dev/sda3 rw");
        assertEquals((8L << 20) | 3, mount.device());
        assertEquals(false, mount.isFuse());
    }

    @Test
    void malformedLinesAreSkipped() {
        assertNull(MountTable.parse(""));
        assertNull(MountTable.parse("1 0 8:3 / / rw ext4 /dev/sda3 rw"));
        assertNull(MountTable.parse("x 0 8:3 / / rw - ext4 /dev/sda3 rw"));
        assertEquals("a\\x", MountTable.unescape("a\\x"));
    }
}
