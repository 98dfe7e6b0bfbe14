package fuse.control.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

/**
 * {@code bin/fuse-osgi}: runs one {@code fuse:} command in the running container through its control socket and
 * exits with the command's outcome. Plain Java with no OSGi class, started from this bundle's jar. Exit status:
 * 0 done, 1 the command failed (its message on stderr), 2 bad usage, 3 no container answers on the socket.
 */
public final class ControlClient {
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_UNREACHABLE = 3;
    /** System property: the control socket (bin/fuse-osgi sets it from FUSE_HOME). */
    static final String SOCKET_PROPERTY = "fuse.control.socket";

    private ControlClient() {
    }

    public static void main(String[] args) {
        System.exit(run(args, Path.of(System.getProperty(SOCKET_PROPERTY, "runtime/control.sock")), System.out,
                System.err));
    }

    static int run(String[] args, Path socket, PrintStream out, PrintStream err) {
        String usage = "usage: fuse-osgi " + String.join("|", new TreeSet<>(ControlProtocol.COMMANDS))
                + " [argument ...]  (the console's fuse: commands; 'fuse-osgi help' lists them)";
        if (args.length == 0) {
            err.println(usage);
            return EXIT_USAGE;
        }
        if (args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            out.println(usage);
            return 0;
        }
        if (!ControlProtocol.COMMANDS.contains(args[0])) {
            err.println("fuse-osgi: unknown command '" + args[0] + "'; " + usage);
            return EXIT_USAGE;
        }
        if (!Files.exists(socket)) {
            err.println("fuse-osgi: no container is running (no control socket " + socket + ")");
            return EXIT_UNREACHABLE;
        }
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ByteBuffer request = ControlProtocol.encodeRequest(List.of(args));
            while (request.hasRemaining()) {
                channel.write(request);
            }
            channel.shutdownOutput();
            byte[] answer = ControlProtocol.readAll(channel, ControlProtocol.MAX_ANSWER_BYTES + 1024);
            if (answer == null || answer.length == 0) {
                err.println("fuse-osgi: the container closed the control socket without an answer");
                return EXIT_FAILED;
            }
            String text = new String(answer, 1, answer.length - 1, StandardCharsets.UTF_8);
            boolean ok = answer[0] == ControlProtocol.OK;
            PrintStream to = ok ? out : err;
            to.print(text.isEmpty() || text.endsWith("\n") ? text : text + "\n");
            to.flush();
            return ok ? 0 : EXIT_FAILED;
        } catch (SocketException e) {
            err.println("fuse-osgi: no container answers on " + socket + " (" + e.getMessage() + ")");
            return EXIT_UNREACHABLE;
        } catch (IOException e) {
            err.println("fuse-osgi: talking to the container on " + socket + " failed: " + e.getMessage());
            return EXIT_FAILED;
        }
    }
}
