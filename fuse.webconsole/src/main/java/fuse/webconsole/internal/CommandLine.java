package fuse.webconsole.internal;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;

/**
 * A {@code fuse:} command run through Gogo's {@link CommandProcessor}, exactly as typed on the console, so the
 * page has no implementation of its own of any command. Arguments are single-quoted; a value that could leave its
 * quotes is refused before anything runs.
 */
final class CommandLine {
    private CommandLine() {
    }

    /** {@code command 'arg' 'arg'...}; throws for an argument with a quote, backslash or control character. */
    static String of(String command, List<String> arguments) {
        StringBuilder line = new StringBuilder(command);
        for (String argument : arguments) {
            if (argument.chars().anyMatch(c -> c == '\'' || c == '\\' || Character.isISOControl(c))) {
                throw new IllegalArgumentException("refused: " + argument + " contains a quote, a backslash or a "
                        + "control character");
            }
            line.append(" '").append(argument).append('\'');
        }
        return line.toString();
    }

    /** Runs {@code line}; answers what the command answered or printed, or its error message. */
    static String run(CommandProcessor processor, String line) {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
                CommandSession session = processor.createSession(InputStream.nullInputStream(), out, out)) {
            Object result = session.execute(line);
            if (result != null) {
                out.println(session.format(result, org.apache.felix.service.command.Converter.INSPECT));
            }
        } catch (Exception e) {
            String message = e.getMessage() != null ? e.getMessage() : e.toString();
            return (printed.toString(StandardCharsets.UTF_8) + message).strip();
        }
        return printed.toString(StandardCharsets.UTF_8).strip();
    }
}
