package fuse.channel.internal;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Requests per second through the channel's user-space half: decode one request from a reader's buffer,
 * dispatch it to a handler that answers at once, encode the reply, hand it to a transport that only counts it.
 * What separates this from a mount's figure is the {@code /dev/fuse} read and write, the backend's work and the
 * kernel. Each JMH thread owns its fixture, as each reader thread owns its buffers: {@code -t 2} shows whether
 * two readers scale.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class DispatchBenchmark {
    @Param({"GETATTR", "LOOKUP", "OPEN", "READ_4K", "WRITE_4K", "CREATE", "RELEASE", "FORGET", "ENOSYS"})
    public String request;

    private ChannelFixture fixture;

    @Setup(Level.Trial)
    public void setUp() {
        fixture = new ChannelFixture(ChannelFixture.Kind.valueOf(request));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        fixture.close();
    }

    @Benchmark
    public long dispatch() {
        fixture.dispatcher.dispatch(fixture.context, fixture.length);
        return fixture.transport.bytes;
    }
}
