package fuse.shell.internal;

import java.io.PrintStream;

import org.apache.felix.gogo.runtime.CommandNotFoundException;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;

/**
 * Runs one console line through the Gogo session and prints what it gave: the result formatted as Gogo's shell
 * does, or a failure as one line that says what went wrong, without the exception's class name (the exception
 * stays in {@code $exception} for whoever wants the trace: {@code $exception printStackTrace}).
 */
final class ConsoleLines {
    static final String BANNER = "Welcome to Apache Felix Gogo: the fuse container's console. help lists the "
            + "commands, help <command> (or <command> --help) explains one; stop 0 stops the container.";

    private ConsoleLines() {
    }


    static void execute(CommandSession session, String line, PrintStream out, PrintStream err) {
        if (line.isBlank() || line.trim().startsWith("#")) {
            return;
        }
        try {
            Object result = session.execute(line);
            session.put("_", result);
            if (result != null) {
                out.println(session.format(result, Converter.INSPECT));
            }
        } catch (Exception e) {
            session.put("exception", e);
            err.println(failure(e));
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** One line (or a message and a usage line) for a failed command. */
    static String failure(Throwable e) {
        if (e instanceof CommandNotFoundException notFound) {
            return notFound.getCommand() + ": no such command (help lists them; fuse:<Tab> completes)";
        }
        if (e instanceof CommandException) {
            return e.getMessage();
        }
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            Throwable cause = e.getCause();
            return cause != null && cause != e ? failure(cause) : "failed: " + e.getClass().getSimpleName();
        }
        return message;
    }
}
