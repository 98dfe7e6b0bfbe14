package fuse.shell.internal;

import java.io.PrintStream;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

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

    /**
     * Commands a line may use from the very first one: the console's own components and Gogo JLine's commands it
     * registers. Gogo's processor learns of a command service through its tracker, which may open after the
     * console starts, so a first line could otherwise answer "no such command" for a command that is there.
     */
    private static final List<String> FIRST_COMMANDS = List.of("fuse:mounts", "fuse:stats", "log:level",
            "felix:help", "gogo:echo");
    private static final long COMMANDS_WAIT_MS = 10_000;

    private ConsoleLines() {
    }

    /**
     * Waits, at most {@value #COMMANDS_WAIT_MS} ms, until the session knows every one of {@link #FIRST_COMMANDS};
     * says once on {@code err} which are missing if they do not come (the console then goes on: what is there
     * works).
     */
    static void awaitCommands(CommandSession session, PrintStream err) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(COMMANDS_WAIT_MS);
        List<String> missing = missingCommands(session);
        while (!missing.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            missing = missingCommands(session);
        }
        if (!missing.isEmpty()) {
            err.println("console: commands not available after " + COMMANDS_WAIT_MS / 1000 + " s: "
                    + String.join(", ", missing));
        }
    }

    private static List<String> missingCommands(CommandSession session) {
        Collection<?> known = session.get(".commands") instanceof Collection<?> all ? all : List.of();
        List<String> names = known.stream().map(Object::toString).toList();
        return FIRST_COMMANDS.stream().filter(name -> !names.contains(name)).toList();
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
