package org.cortado.bench;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.io.Npy;
import org.cortado.net.Net;
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
 * Whole forward passes to the code layers the transfer-learning path uses: AlexNet to fc7 (after relu7), SqueezeNet
 * v1.0 to fire9/concat, on the same input files as the OpenCV comparison. {@link Report} prints images/s.
 *
 * <p>Warm-up is long because the GEMM kernel runs in the interpreter (boxing every vector) until C2 compiles it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class ForwardBench {
    @Param({"alexnet-fc7", "squeezenet-fire9"})
    public String net;

    @Param({"1", "16"})
    public int batch;

    /**
     * {@code concats}: each convolution fused with its ReLU ({@link Net#fuseReLUs}) and concats written in place
     * ({@link Net#writeConcatsInPlace}), as feature extraction runs the net; {@code relu}: the fusion alone;
     * {@code none}: layer by layer. For comparisons in one run.
     */
    @Param({"concats"})
    public String fusion;

    private Net model;
    private Map<String, Tensor> inputs;
    private String last;
    private String blob;

    @Setup
    public void setUp() {
        CpuBackend backend = new CpuBackend();
        if (net.startsWith("alexnet")) {
            model = Nets.alexnet(backend);
            last = Nets.ALEXNET_CODES;
            blob = Nets.ALEXNET_CODES_BLOB;
        } else {
            model = Nets.squeezenet(backend);
            last = Nets.SQUEEZENET_CODES;
            blob = Nets.SQUEEZENET_CODES;
        }
        switch (fusion) {
            case "concats" -> {
                model.fuseReLUs();
                model.writeConcatsInPlace();
            }
            case "relu" -> model.fuseReLUs();
            case "none" -> { }
            default -> throw new IllegalArgumentException("fusion must be none, relu or concats, got " + fusion);
        }
        inputs = Map.of(model.inputNames().get(0), Npy.read(Nets.input(batch)));
    }

    @Benchmark
    public Tensor forward() {
        model.forwardTo(inputs, last);
        return model.blob(blob);
    }
}
