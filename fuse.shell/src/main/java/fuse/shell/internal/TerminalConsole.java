package fuse.shell.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Job;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.Terminal.Signal;
import org.jline.terminal.TerminalBuilder;

/**
 * The console on a terminal: a JLine line editor with history (kept in a file across restarts), completion
 * ({@link CommandCompleter}) and the usual keys. Ctrl-C drops the line being typed, or interrupts the running
 * command; it never stops the container (the terminal's SIGINT goes to this console, not to the JVM). Ctrl-D on an
 * empty line twice in a row stops the container, as {@code stop 0} does. While it runs, the log's console lines are
 * printed above the line being typed instead of through it ({@link LogbackConsole}).
 */
final class TerminalConsole implements AutoCloseable {
    private static final String PROMPT = "g! ";

    private final Terminal terminal;
    private final LineReader reader;
    private final CommandSession session;
    private final PrintStream out;
    private volatile Runnable restoreLog = () -> { };
    private final Runnable stopContainer;
    private final Thread thread;
    private volatile boolean closing;

    private TerminalConsole(CommandProcessor processor, Registry registry, Path history, Runnable stopContainer)
            throws IOException {
        this.stopContainer = stopContainer;
        terminal = systemTerminal();
        out = new PrintStream(terminal.output(), true, terminal.encoding());
        session = processor.createSession(terminal.input(), out, out);
        DefaultParser parser = new DefaultParser();
        parser.setEofOnUnclosedQuote(true);
        parser.setEofOnUnclosedBracket(DefaultParser.Bracket.CURLY, DefaultParser.Bracket.ROUND,
                DefaultParser.Bracket.SQUARE);
        LineReaderBuilder builder = LineReaderBuilder.builder().terminal(terminal).appName("fuse").parser(parser)
                .completer(new CommandCompleter(session, registry))
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true) // '!' is LDAP's, not history's
                .option(LineReader.Option.AUTO_FRESH_LINE, true)
                .variable(LineReader.HISTORY_FILE_SIZE, 5000);
        if (history != null) {
            builder.variable(LineReader.HISTORY_FILE, history.toAbsolutePath());
        }
        reader = builder.build();
        // Gogo JLine's commands (history, less, keymap...) find the terminal and the reader here.
        session.put(".terminal", terminal);
        session.put(".reader", reader);
        redirectLog();
        thread = Thread.ofPlatform().daemon().name("fuse-console").start(this::run);
    }

    static TerminalConsole start(CommandProcessor processor, Registry registry, Path history,
            Runnable stopContainer) {
        try {
            return new TerminalConsole(processor, registry, history, stopContainer);
        } catch (IOException e) {
            throw new IllegalStateException("console: cannot open the terminal: " + e.getMessage(), e);
        }
    }

    /**
     * The JVM's terminal. JLine finds its terminal providers (FFM, exec) as resources of the context class loader,
     * which inside a bundle does not see JLine's bundle: without this, JLine falls back to a dumb terminal.
     */
    private static Terminal systemTerminal() throws IOException {
        Thread current = Thread.currentThread();
        ClassLoader previous = current.getContextClassLoader();
        current.setContextClassLoader(Terminal.class.getClassLoader());
        try {
            return TerminalBuilder.builder().name("fuse").system(true).nativeSignals(true)
                    .signalHandler(Terminal.SignalHandler.SIG_IGN).build();
        } finally {
            current.setContextClassLoader(previous);
        }
    }

    private void run() {
        terminal.handle(Signal.INT, signal -> {
            Job job = session.foregroundJob();
            if (job != null) {
                job.interrupt();
            }
        });
        ConsoleLines.awaitCommands(session, out);
        out.println(ConsoleLines.BANNER);
        boolean endOfInputOnce = false;
        try {
            while (!closing) {
                String line;
                try {
                    line = reader.readLine(PROMPT);
                } catch (UserInterruptException e) {
                    endOfInputOnce = false; // Ctrl-C: the line is dropped, the console goes on
                    continue;
                } catch (EndOfFileException e) {
                    if (closing) {
                        break;
                    }
                    if (endOfInputOnce) {
                        out.println("stopping the container (unmounting every mount)");
                        stopContainer.run();
                        break;
                    }
                    endOfInputOnce = true;
                    out.println("Ctrl-D again stops the container and unmounts every mount (so does stop 0)");
                    continue;
                }
                endOfInputOnce = false;
                ConsoleLines.execute(session, line, out, out);
            }
        } catch (RuntimeException e) {
            if (!closing) {
                out.println("console: " + ConsoleLines.failure(e));
            }
        } finally {
            restoreLog.run();
        }
    }

    /** The log's console lines go above the prompt (when the backend is logback, the container's). */
    private void redirectLog() {
        try {
            restoreLog = LogbackConsole.redirect(new LinesAbove(reader));
        } catch (LinkageError e) {
            // another SLF4J backend: its lines are printed where it prints them
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        closing = true;
        restoreLog.run();
        try {
            reader.getHistory().save();
        } finally {
            terminal.close(); // gives the terminal its settings back (echo, line mode)
            session.close();
        }
        if (Thread.currentThread() != thread) {
            thread.interrupt();
            thread.join(2000);
        }
    }

    /** Whole lines printed above the prompt and the line being typed (JLine redraws both below them). */
    private static final class LinesAbove extends OutputStream {
        private final LineReader reader;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LinesAbove(LineReader reader) {
            this.reader = reader;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                reader.printAbove(line.toString(StandardCharsets.UTF_8));
                line.reset();
            } else {
                line.write(b);
            }
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) {
            for (int i = offset; i < offset + length; i++) {
                write(bytes[i]);
            }
        }
    }
}
