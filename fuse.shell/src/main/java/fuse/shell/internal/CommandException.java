package fuse.shell.internal;

/**
 * A command refused its arguments or could not do what was asked. Gogo prints a failed command's exception as
 * {@code toString()} (and keeps it in {@code $exception} for the {@code e} command), so this one prints as the
 * operator should read it: the command, what is wrong, and for bad arguments the usage. No class name, no trace.
 */
final class CommandException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CommandException(String message) {
        super(message);
    }

    /** Bad arguments: {@code fuse:swap: <problem>} and the usage line. */
    static CommandException usage(String usage, String problem) {
        return new CommandException(Usage.command(usage) + ": " + problem + "\nusage: " + usage);
    }

    /** Good arguments, but the command could not do it: {@code fuse:mount: <problem>}. */
    static CommandException failed(String usage, String problem) {
        return new CommandException(Usage.command(usage) + ": " + problem);
    }

    @Override
    public String toString() {
        return getMessage();
    }
}
