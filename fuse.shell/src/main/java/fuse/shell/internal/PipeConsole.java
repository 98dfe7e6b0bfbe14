package fuse.shell.internal;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;

/**
 * The console when standard input is a pipe or a FIFO: one command per line, results on standard output. At the
 * end of the input the console ends and the container goes on (it is a server: {@code stop 0} or SIGTERM stops it).
 */
final class PipeConsole implements AutoCloseable {
    private final Thread thread;

    private PipeConsole(CommandProcessor processor) {
        // The JVM's own descriptors: System.out and System.err are Gogo's per-thread redirections by now.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        FileInputStream in = new FileInputStream(FileDescriptor.in);
        thread = Thread.ofPlatform().daemon().name("fuse-console").start(() -> {
            CommandSession session = processor.createSession(in, out, err);
            ConsoleLines.awaitCommands(session, err);
            out.println(ConsoleLines.BANNER);
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; !Thread.currentThread().isInterrupted() && (line = lines.readLine()) != null; ) {
                    // Failures on standard output too, in order with the results: a script reads one stream.
                    ConsoleLines.execute(session, line, out, out);
                }
            } catch (IOException e) {
                err.println("console: standard input failed: " + e.getMessage());
            } finally {
                session.close();
            }
        });
    }

    static PipeConsole start(CommandProcessor processor) {
        return new PipeConsole(processor);
    }

    @Override
    public void close() {
        thread.interrupt(); // a blocked read of the pipe is not interruptible; the thread is a daemon
    }
}
