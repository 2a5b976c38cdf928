package org.cortado.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.cortado.backend.ConvGeometry;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Convolution forward, backward-data and backward-filter of real layers ({@link Workloads#CONVS}) through the CPU
 * backend. Each pass counts {@code 2 N K outH outW C/g kh kw} FLOPs ({@link ConvGeometry#flops()}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class ConvBench {
    @Param({"alexnet-conv1", "alexnet-conv2", "alexnet-conv3", "alexnet-conv4", "alexnet-conv5",
            "squeezenet-conv1", "squeezenet-fire2-squeeze1x1", "squeezenet-fire2-expand3x3",
            "squeezenet-fire9-expand3x3"})
    public String layer;

    @Param({"1", "16"})
    public int batch;

    private CpuBackend backend;
    private ConvGeometry g;
    private Tensor input;
    private Tensor weight;
    private Tensor bias;
    private Tensor output;
    private Tensor dout;
    private Tensor dinp;
    private Tensor dweight;
    private Tensor dbias;

    @Setup
    public void setUp() {
        backend = new CpuBackend();
        g = Workloads.conv(layer).geometry(batch);
        Random rnd = new Random(Nets.SEED);
        input = GemmBench.random(rnd, batch * g.inChannels() * g.inH() * g.inW());
        weight = GemmBench.random(rnd, g.outChannels() * g.patchSize());
        bias = GemmBench.random(rnd, g.outChannels());
        int outCount = batch * g.outChannels() * g.outH() * g.outW();
        output = GemmBench.random(rnd, outCount);
        dout = GemmBench.random(rnd, outCount);
        dinp = GemmBench.random(rnd, input.count());
        dweight = GemmBench.random(rnd, weight.count());
        dbias = GemmBench.random(rnd, bias.count());
    }

    @Benchmark
    public Tensor forward() {
        backend.convolutionForward(g, input, weight, bias, output);
        return output;
    }

    @Benchmark
    public Tensor backwardData() {
        backend.convolutionBackwardData(g, weight, dout, dinp);
        return dinp;
    }

    @Benchmark
    public Tensor backwardFilter() {
        backend.convolutionBackwardFilter(g, input, dout, dweight, dbias);
        return dweight;
    }
}
