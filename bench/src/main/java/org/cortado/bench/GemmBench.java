package org.cortado.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
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
 * The CPU backend's GEMM on the products real layers issue ({@link Workloads#GEMMS}), all threads. GFLOP/s and the
 * fraction of peak are printed by {@link Report} from the shape's {@code 2 m n k}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class GemmBench {
    @Param({"alexnet-conv1", "alexnet-conv2-group", "alexnet-conv3", "alexnet-fc6-b1", "alexnet-fc6-b16",
            "alexnet-fc7-b16", "alexnet-fc6-b16-dweight", "alexnet-fc6-b16-dinput", "squeezenet-fire2-expand3x3",
            "square-1024"})
    public String shape;

    private CpuBackend backend;
    private Workloads.GemmShape s;
    private Tensor a;
    private Tensor b;
    private Tensor c;

    @Setup
    public void setUp() {
        backend = new CpuBackend();
        s = Workloads.gemm(shape);
        Random rnd = new Random(Nets.SEED);
        a = random(rnd, s.m() * s.k());
        b = random(rnd, s.k() * s.n());
        c = Tensor.zeros(Shape.of(s.m(), s.n()));
    }

    static Tensor random(Random rnd, int count) {
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            x[i] = rnd.nextFloat() * 2 - 1;
        }
        return Tensor.wrap(Shape.of(count), x);
    }

    @Benchmark
    public Tensor gemm() {
        backend.gemm(s.transA(), s.transB(), s.m(), s.n(), s.k(), 1f, a, 0, b, 0, 0f, c, 0);
        return c;
    }
}
