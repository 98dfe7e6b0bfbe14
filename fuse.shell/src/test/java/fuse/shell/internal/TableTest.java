package fuse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TableTest {

    @Test
    void alignsColumnsAndRightAlignsNumbers() {
        String table = Table.of("NAME", "COUNT", "PATH").numeric(1)
                .row("LOOKUP", 12345, "/a")
                .row("READ", 7, null)
                .toString();
        assertEquals("""
                NAME    COUNT  PATH
                LOOKUP  12345  /a
                READ        7  -""", table);
    }

    @Test
    void leavesNoTrailingBlanks() {
        String table = Table.of("A", "LONGHEADER").row("x", "").toString();
        for (String line : table.split("\n")) {
            assertEquals(line.stripTrailing(), line);
        }
    }

    @Test
    void refusesRowsOfTheWrongWidth() {
        assertThrows(IllegalArgumentException.class, () -> Table.of("A", "B").row("only one"));
    }

    @Test
    void blocksSkipEmptyParts() {
        assertEquals("one\n\ntwo", Table.blocks("one", null, "", "two"));
    }
}
