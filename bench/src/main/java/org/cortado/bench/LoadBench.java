package org.cortado.bench;

import java.util.concurrent.TimeUnit;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.net.Net;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Loading a full-size AlexNet: parse the deploy prototxt, build the net, read the 244 MB caffemodel and copy its
 * weights in, as OpenCV's {@code readNetFromCaffe(prototxt, caffemodel)} does. The file is in the page cache after
 * the warm-up, for both engines.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class LoadBench {
    private final CpuBackend backend = new CpuBackend();

    @Benchmark
    public Net loadAlexnet() {
        return Nets.alexnet(backend);
    }
}
