package org.cortado.bench;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.io.Npy;
import org.cortado.layers.Phase;
import org.cortado.net.InferenceRequest;
import org.cortado.net.LoadedNet;
import org.cortado.net.Net;
import org.cortado.tensor.Tensor;
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
 * Whole forward passes of the Model Zoo nets that {@link ForwardBench} does not cover, to their last layer, as
 * {@code ./cortado forward --outputs LAST} runs them: the net planned for inference (only the last layer's output
 * kept, BatchNorm and Scale folded, ReLUs fused, concats written in place). Weights and inputs are
 * {@link ZooAssets}', the files bench/opencv_bench.py gives OpenCV ({@code zoo} group of bench/compare.sh).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class ZooBench {
    /** Names as {@link ZooAssets#nets()} has them. */
    @Param({"resnet50", "googlenet", "nin", "squeezenet_v1.1", "vgg16"})
    public String net;

    @Param({"1", "16"})
    public int batch;

    private CpuBackend backend;
    private Net model;
    private Map<String, Tensor> inputs;
    private String last;

    @Setup(Level.Trial)
    public void setUp() {
        backend = new CpuBackend();
        model = LoadedNet.load(ZooAssets.prototxt(net), Nets.require(ZooAssets.model(net)), Phase.TEST, backend)
                .net();
        last = model.layers().get(model.layers().size() - 1).name();
        model.planInference(InferenceRequest.layerOutputs(List.of(last)));
        inputs = Map.of(model.inputNames().get(0), Npy.read(Nets.require(ZooAssets.input(net, batch))));
    }

    @Benchmark
    public Tensor forward() {
        model.forward(inputs);
        return model.output(last);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
    }
}
