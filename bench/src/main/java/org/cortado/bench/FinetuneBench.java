package org.cortado.bench;

import java.util.concurrent.TimeUnit;
import org.cortado.backend.cpu.CpuBackend;
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
 * One fine-tuning iteration on the CPU, as {@link org.cortado.finetune.FineTuner} runs it: clear the gradients, a
 * full forward pass of the training net (the frozen prefix included: nothing is cached), SoftmaxWithLoss, backward
 * (pruned below the last learned layer), and the SGD update with momentum and weight decay of the default recipe.
 * Nets ({@link Nets#fineTuning}): SqueezeNet v1.0 with its real weights and AlexNet with the random-weight
 * caffemodel, each with the classifier replaced by a 2-way layer; {@code all}: every layer learns; {@code frozen}:
 * SqueezeNet through fire8/concat, AlexNet through conv5 (all convolutions) frozen. {@link Report} prints images/s;
 * the peer is PyTorch on the CPU ({@code bench/torch_cpu_bench.py}).
 *
 * <p>A step takes seconds, so iterations are long enough to hold at least two steps each.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class FinetuneBench {
    @Param({"squeezenet", "alexnet"})
    public String net;

    @Param({"all", "frozen"})
    public String train;

    @Param({"16"})
    public int batch;

    private Nets.FineTuning fineTuning;

    @Setup
    public void setUp() {
        if (!train.equals("all") && !train.equals("frozen")) {
            throw new IllegalArgumentException("train must be 'all' or 'frozen', got '" + train + "'");
        }
        fineTuning = Nets.fineTuning(net, train.equals("frozen"), true, batch, new CpuBackend());
    }

    @Benchmark
    public double step() {
        return fineTuning.step();
    }
}
