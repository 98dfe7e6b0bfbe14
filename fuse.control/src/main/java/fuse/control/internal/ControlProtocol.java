package fuse.control.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What travels over the control socket, shared by the container's side ({@link ControlSocket}) and the client
 * ({@link ControlClient}). The client sends the command's name and arguments, each followed by a NUL, and closes
 * its sending side; the container answers one status byte ({@link #OK}, {@link #FAILED}) and the command's output
 * (on failure: its message, one line) and closes. No quoting anywhere: arguments arrive as they were given.
 */
final class ControlProtocol {
    /** The {@code fuse:} commands the socket runs; the console's own implementations (bundle fuse.shell). */
    static final Set<String> COMMANDS = Set.of("mounts", "mount", "unmount", "swap", "stats", "policy", "backends",
            "backing");
    static final String SCOPE = "fuse:";
    static final byte OK = 0;
    static final byte FAILED = 1;
    /** A request larger than this is refused: arguments are mountpoints, settings and rules, not data. */
    static final int MAX_REQUEST_BYTES = 64 * 1024;
    /** An answer larger than this is cut there (fuse:backing on a huge mount), saying so. */
    static final int MAX_ANSWER_BYTES = 4 * 1024 * 1024;

    private ControlProtocol() {
    }

    static ByteBuffer encodeRequest(List<String> words) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (String word : words) {
            bytes.writeBytes(word.getBytes(StandardCharsets.UTF_8));
            bytes.write(0);
        }
        return ByteBuffer.wrap(bytes.toByteArray());
    }

    /** The words of a request, or {@code null} when it is larger than {@link #MAX_REQUEST_BYTES}. */
    static List<String> readRequest(SocketChannel channel) throws IOException {
        byte[] request = readAll(channel, MAX_REQUEST_BYTES);
        if (request == null) {
            return null;
        }
        List<String> words = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < request.length; i++) {
            if (request[i] == 0) {
                words.add(new String(request, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return words;
    }

    /** Everything until the peer closes its side; {@code null} when more than {@code limit} bytes come. */
    static byte[] readAll(SocketChannel channel, int limit) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        while (channel.read(buffer.clear()) >= 0) {
            if (bytes.size() + buffer.position() > limit) {
                return null;
            }
            bytes.write(buffer.array(), 0, buffer.position());
        }
        return bytes.toByteArray();
    }

    static void writeAnswer(SocketChannel channel, byte status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        ByteBuffer answer = ByteBuffer.allocate(1 + body.length).put(status).put(body).flip();
        while (answer.hasRemaining()) {
            channel.write(answer);
        }
    }

    /** A failure's message as the one line the client prints: the lines of a multi-line message joined. */
    static String oneLine(Throwable failure) {
        String message = failure.getMessage();
        if (message == null || message.isBlank()) {
            message = "failed (" + failure.getClass().getSimpleName() + ")";
        }
        return String.join("; ", message.strip().lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
    }
}
