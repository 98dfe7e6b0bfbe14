package fuse.control.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The control socket: a Unix domain socket (mode 0600) on which {@code bin/fuse-osgi} runs the console's
 * {@code fuse:} commands. Each command line goes through Gogo's {@link CommandProcessor}, as typed at the console,
 * so there is one implementation of each command (bundle fuse.shell); its output goes back over the socket. Only
 * the container's own user is served: the peer's uid comes from {@code SO_PEERCRED}, read by the JDK's own
 * {@link ExtendedSocketOptions#SO_PEERCRED} on the accepted channel (no descriptor has to be pried out of the
 * channel for an FFM {@code getsockopt}). Nothing listens on the network.
 */
@Component(immediate = true, service = {}, configurationPid = ControlSocket.PID)
@Designate(ocd = ControlSocket.Config.class)
public final class ControlSocket {
    static final String PID = "fuse.control";
    private static final Logger LOG = LoggerFactory.getLogger(ControlSocket.class);
    /** A client that has not sent its whole request within this time is dropped. */
    private static final long REQUEST_SECONDS = 10;

    @ObjectClassDefinition(name = "FUSE control socket",
            description = "The Unix domain socket bin/fuse-osgi runs fuse: commands on (the container's user only).")
    @interface Config {
        @AttributeDefinition(name = "Socket path", description = "Where the socket is created (relative: to the "
                + "container's working directory, FUSE_HOME); empty = no control socket.")
        String path() default "runtime/control.sock";

        @AttributeDefinition(name = "Concurrent commands", description = "Commands run at once; a client beyond "
                + "them is told the container is busy.", min = "1")
        int max__commands() default 4;
    }

    private final CommandProcessor processor;
    private final Semaphore commands;
    private final int maxCommands;
    private final UserPrincipal owner;
    private final ScheduledExecutorService deadlines;
    private ServerSocketChannel server;
    private Path path;

    @Activate
    public ControlSocket(@Reference CommandProcessor processor, Config config) throws IOException {
        this.processor = processor;
        this.maxCommands = Math.max(1, config.max__commands());
        this.commands = new Semaphore(maxCommands);
        this.owner = Files.getOwner(Path.of("/proc/self"));
        this.deadlines = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("fuse-control-deadline").factory());
        if (config.path().isBlank()) {
            return;
        }
        path = Path.of(config.path()).toAbsolutePath();
        try {
            server = bind(path);
        } catch (IOException e) {
            LOG.error("no control socket at {}: {}", path, e.getMessage());
            path = null;
            return;
        }
        LOG.info("control socket {} (for {})", path, owner.getName());
        Thread.ofPlatform().daemon().name("fuse-control-accept").start(this::accept);
    }

    @Deactivate
    void deactivate() {
        deadlines.shutdownNow();
        if (server == null) {
            return;
        }
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("closing the control socket {}: {}", path, e.getMessage());
        }
    }

    /**
     * Binds in a fresh private directory beside {@code target}, makes the socket 0600, then renames it into place:
     * the socket is never reachable with a wider mode, and a stale socket left by a killed container is replaced
     * atomically. A socket on which another container still answers is not taken over.
     */
    static ServerSocketChannel bind(Path target) throws IOException {
        Files.createDirectories(target.getParent());
        if (Files.exists(target) && answers(target)) {
            throw new IOException("another container answers on it");
        }
        Path staging = Files.createTempDirectory(target.getParent(), ".control-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path staged = staging.resolve("s");
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.bind(UnixDomainSocketAddress.of(staged));
            Files.setPosixFilePermissions(staged, PosixFilePermissions.fromString("rw-------"));
            Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return channel;
        } catch (IOException e) {
            channel.close();
            throw e;
        } finally {
            Files.deleteIfExists(staged);
            Files.delete(staging);
        }
    }

    private static boolean answers(Path socket) {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void accept() {
        while (true) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (ClosedChannelException e) {
                return; // deactivated
            } catch (IOException e) {
                LOG.error("control socket {}: accept failed, no more commands are served: {}", path, e.getMessage());
                return;
            }
            Thread.ofVirtual().name("fuse-control").start(() -> serve(client));
        }
    }

    private void serve(SocketChannel client) {
        try (client) {
            // The request is read before anything is answered, so that even a refused client reads its answer
            // instead of a broken pipe.
            List<String> words = readRequest(client);
            UnixDomainPrincipal peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
            if (!peer.user().equals(owner)) {
                LOG.warn("control socket {}: refused a connection from user {}", path, peer.user().getName());
                ControlProtocol.writeAnswer(client, ControlProtocol.FAILED, "refused: the control socket serves only "
                        + "user " + owner.getName() + ", not " + peer.user().getName());
                return;
            }
            if (words == null || words.isEmpty() || !ControlProtocol.COMMANDS.contains(words.getFirst())) {
                ControlProtocol.writeAnswer(client, ControlProtocol.FAILED, words == null
                        ? "request larger than " + ControlProtocol.MAX_REQUEST_BYTES + " bytes"
                        : "unknown command; one of " + String.join(", ", ControlProtocol.COMMANDS));
                return;
            }
            if (!commands.tryAcquire()) {
                ControlProtocol.writeAnswer(client, ControlProtocol.FAILED, "busy: " + maxCommands
                        + " commands are running; try again");
                return;
            }
            try {
                answer(client, words);
            } finally {
                commands.release();
            }
        } catch (IOException e) {
            LOG.debug("control socket {}: a client went away: {}", path, e.getMessage());
        }
    }

    private List<String> readRequest(SocketChannel client) throws IOException {
        ScheduledFuture<?> deadline = deadlines.schedule(() -> closeQuietly(client), REQUEST_SECONDS,
                TimeUnit.SECONDS);
        try {
            return ControlProtocol.readRequest(client);
        } finally {
            deadline.cancel(false);
        }
    }

    private void answer(SocketChannel client, List<String> words) throws IOException {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try {
            execute(words, output);
        } catch (Exception e) {
            ControlProtocol.writeAnswer(client, ControlProtocol.FAILED, ControlProtocol.oneLine(e));
            return;
        }
        String text = output.toString(StandardCharsets.UTF_8);
        if (text.length() > ControlProtocol.MAX_ANSWER_BYTES) {
            text = text.substring(0, ControlProtocol.MAX_ANSWER_BYTES) + "\n(output cut at "
                    + ControlProtocol.MAX_ANSWER_BYTES + " characters)\n";
        }
        ControlProtocol.writeAnswer(client, ControlProtocol.OK, text);
    }

    /**
     * Runs {@code fuse:<name> args...} in a session of its own. The arguments are session variables, so Gogo takes
     * each as one word whatever it contains (spaces, quotes, {@code *}, {@code >}): nothing is quoted or re-parsed.
     */
    private void execute(List<String> words, ByteArrayOutputStream output) throws Exception {
        PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8);
        try (CommandSession session = processor.createSession(InputStream.nullInputStream(), out, out)) {
            session.put(CommandSession.OPTION_NO_GLOB, Boolean.TRUE);
            StringBuilder line = new StringBuilder(ControlProtocol.SCOPE).append(words.getFirst());
            for (int i = 1; i < words.size(); i++) {
                session.put("fuse_control_" + i, words.get(i));
                line.append(" $fuse_control_").append(i);
            }
            Object result = session.execute(line);
            if (result != null) {
                out.println(session.format(result, Converter.INSPECT));
            }
        }
        out.flush();
    }

    private static void closeQuietly(SocketChannel client) {
        try {
            client.close();
        } catch (IOException e) {
            // it is being dropped anyway
        }
    }
}
