package fuse.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AttributesTest {

    @Test
    void theBuilderPutsEachValueInItsPlace() {
        Attributes built = Attributes.builder(7, 0100640).size(1000).blocks(2).atime(new TimeSpec(1, 2))
                .mtime(new TimeSpec(3, 4)).ctime(new TimeSpec(5, 6)).linkCount(3).owner(10, 20).rdev(99)
                .blockSize(4096).build();
        assertEquals(new Attributes(7, 1000, 2, 1, 2, 3, 4, 5, 6, 0100640, 3, 10, 20, 99, 4096), built);
        assertEquals(new TimeSpec(3, 4), built.mtime());
    }

    @Test
    void whatIsNotSetIsZero() {
        assertEquals(new Attributes(5, 0, 0, 0, 0, 0, 0, 0, 0, 040755, 0, 0, 0, 0, 0),
                Attributes.builder(5, 040755).build());
    }

    @Test
    void toBuilderDerivesOneValueAndKeepsTheRest() {
        Attributes original = new Attributes(7, 1000, 2, 1, 2, 3, 4, 5, 6, 0100640, 3, 10, 20, 99, 4096);
        assertEquals(new Attributes(8, 1000, 2, 1, 2, 3, 4, 5, 6, 0100640, 1, 10, 20, 99, 4096),
                original.toBuilder().inode(8).linkCount(1).build());
    }

    @Test
    void aFileTimeIsNeverNow() {
        assertThrows(IllegalArgumentException.class, () -> Attributes.builder(1, 0100644).times(TimeSpec.NOW));
    }
}
