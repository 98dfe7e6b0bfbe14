package fuse.channel;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A FUSE server in a process of its own, for the crash test: mounts a {@link MemoryFs} at {@code args[0]}, prints
 * "READY &lt;connection&gt;" and serves until it is killed (or five minutes pass).
 */
public final class ServerMain {
    private ServerMain() {
    }

    public static void main(String[] args) throws Exception {
        MemoryFs fs = new MemoryFs();
        fs.addFile(fs.root, "served-by", ("pid " + ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8));
        FuseSession session = FuseChannel.mount(
                MountOptions.defaults(Path.of(args[0]), MountFixture.SUBTYPE).withThreads(2)
                        .withTransport(MountFixture.transport()), fs);
        session.awaitInit(Duration.ofSeconds(10)).orElseThrow();
        System.out.println("READY " + session.connectionId());
        System.out.flush();
        session.awaitTermination(Duration.ofMinutes(5));
        session.close();
    }
}
