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

import fuse.channel.Request;

/**
 * Only the first step of {@link DispatchBenchmark}: the request's bytes into its {@link Request} record (names
 * decoded, payloads sliced, nothing copied). ENOSYS requests are never decoded, so they are not listed.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class DecodeBenchmark {
    @Param({"GETATTR", "LOOKUP", "OPEN", "READ_4K", "WRITE_4K", "CREATE", "RELEASE", "FORGET"})
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
    public Request decode() throws MalformedRequest {
        return RequestDecoder.decode(fixture.opcode, fixture.header, fixture.context.in(), fixture.length, false);
    }
}
