package fuse.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import fuse.channel.kernel.FuseOpcode;

class RequestHeaderTest {

    @Test
    void opcodesAreNamedByTheChannelsOpcodeTable() {
        assertEquals("LOOKUP", RequestHeader.opcodeName(1));
        assertEquals("READDIRPLUS", RequestHeader.opcodeName(44));
        assertEquals("COPY_FILE_RANGE_64", RequestHeader.opcodeName(53));
        for (FuseOpcode op : FuseOpcode.values()) {
            assertEquals(op.name(), RequestHeader.opcodeName(op.code()));
        }
    }

    @Test
    void anOpcodeTheTableDoesNotKnowIsNamedByItsNumber() {
        assertEquals("OPCODE_7", RequestHeader.opcodeName(7));
        assertEquals("OPCODE_0", RequestHeader.opcodeName(0));
        assertEquals("OPCODE_4096", RequestHeader.opcodeName(4096));
        assertEquals("OPCODE_-1", RequestHeader.opcodeName(-1));
    }
}
