package fuse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.felix.gogo.runtime.CommandNotFoundException;
import org.junit.jupiter.api.Test;

class ConsoleLinesTest {
    @Test
    void anUnknownCommandIsOneLineWithoutAClassName() {
        assertEquals("fuse:: no such command (help lists them; fuse:<Tab> completes)",
                ConsoleLines.failure(new CommandNotFoundException("fuse:")));
    }

    @Test
    void aCommandsOwnFailureIsItsMessage() {
        assertEquals("fuse:mount: no backend named 'x' is registered",
                ConsoleLines.failure(CommandException.failed(Usage.MOUNT, "no backend named 'x' is registered")));
    }

    @Test
    void anExceptionWithoutMessageNamesItsCauseOrWhatFailed() {
        assertEquals("disk on fire", ConsoleLines.failure(new RuntimeException(new IllegalStateException("disk on fire"))
                .getCause()));
        assertEquals("disk on fire", ConsoleLines.failure(new RuntimeException((String) null,
                new IllegalStateException("disk on fire"))));
        assertEquals("failed: NullPointerException", ConsoleLines.failure(new NullPointerException()));
    }
}
