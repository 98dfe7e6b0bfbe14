package fuse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FormatsTest {

    @Test
    void durationsKeepThreeFigures() {
        assertEquals("850ns", Formats.duration(850));
        assertEquals("1.50us", Formats.duration(1_500));
        assertEquals("12.3us", Formats.duration(12_340));
        assertEquals("457ms", Formats.duration(456_789_000));
        assertEquals("2.00s", Formats.duration(2e9));
    }

    @Test
    void usageNamesTheCommand() {
        assertEquals("fuse:swap", Usage.command(Usage.SWAP));
        assertEquals("fuse:mounts", Usage.command(Usage.MOUNTS));
        assertEquals("fuse:swap: missing <backend>\nusage: " + Usage.SWAP,
                CommandException.usage(Usage.SWAP, "missing <backend>").toString());
    }
}
