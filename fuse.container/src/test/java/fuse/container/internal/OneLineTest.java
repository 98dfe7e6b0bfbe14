package fuse.container.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OneLineTest {
    @Test
    void joinsTheCauseChainWithoutRepeats() {
        var cause = new NumberFormatException("For input string: \"12zz\"");
        var failure = new IllegalArgumentException("Unable to parse unicode value: 12zz", cause);
        assertEquals("Failed to install artifact: load/bad.cfg: Unable to parse unicode value: 12zz: "
                + "For input string: \"12zz\"", OneLine.of("Failed to install artifact: load/bad.cfg", failure));
    }

    @Test
    void messageAloneStaysAsItIs() {
        assertEquals("started", OneLine.of("started", null));
    }

    @Test
    void exceptionWithoutMessageShowsItsType() {
        assertEquals("boom: NullPointerException", OneLine.of("boom", new NullPointerException()));
    }
}
