package org.cortado.bench;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.cortado.backend.Backend;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.gpu.ConvImpl;
import org.cortado.gpu.GpuBackend;
import org.cortado.gpu.MathMode;
import org.cortado.layers.Phase;
import org.cortado.net.InferenceRequest;
import org.cortado.net.MemoryReport;
import org.cortado.net.Net;
import org.cortado.net.NetDefinition;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Issue 22's goal 3: the Model Zoo's other nets forward to their code layers on the GPU (GoogLeNet to pool5/7x7_s1,
 * VGG-16 to relu7, ResNet-50 to pool5, SqueezeNet v1.1 to fire9/concat), on a batch already on the device, the device
 * synchronised inside the measured method. Each net is cut after its code layer and planned for inference as
 * {@code cortado forward} plans a loaded net ({@link Net#planInference}): BatchNorm and Scale folded into the
 * convolutions (ResNet-50's 106 such layers run no pass of their own), ReLUs fused, concats written in place. Weights
 * are {@link ZooAssets}' (He-normal from the same seed, BatchNorm and Scale at the identity), drawn here rather than
 * read from a caffemodel, so that the device run carries no weights. img/s = batch / time (kernels/device/table.py).
 *
 * <p>{@code -p device=cpu} runs the same on the CPU backend, so that the device script's dry run exercises it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ZooForwardBench {
    /** Each net's code layer (its definition comes from {@link ZooAssets#prototxt}). */
    static final Map<String, String> CODE_LAYERS = Map.of(
            "googlenet", "pool5/7x7_s1",
            "vgg16", "relu7",
            "resnet50", "pool5",
            "squeezenet_v1.1", "fire9/concat");

    @Param({"resnet50", "vgg16", "googlenet", "squeezenet_v1.1"})
    public String net;
    @Param({"256"})
    public int batch;
    @Param({"gpu"})
    public String device;
    @Param({"CUDNN"})
    public String conv;
    @Param({"FP32"})
    public String math;

    private Backend backend;
    private Net model;
    private Map<String, Tensor> inputs;
    private String codeLayer;

    @Setup(Level.Trial)
    public void setUp() {
        codeLayer = CODE_LAYERS.get(net);
        if (codeLayer == null) {
            throw new IllegalArgumentException("unknown Zoo net '" + net + "'; known: " + CODE_LAYERS.keySet());
        }
        backend = device.equals("cpu") ? new CpuBackend()
                : GpuBackend.open(0, ConvImpl.valueOf(conv), MathMode.valueOf(math));
        model = build(net, batch, backend);
        MemoryReport plan = model.memoryReport();
        // On stdout, which JMH keeps in the device run's bench.log: the evidence that the fold happened on this backend.
        System.out.println("[zoo] " + net + " on " + backend.name() + ": " + plan.folded().size()
                + " BatchNorm/Scale layers folded, " + plan.fused().size() + " ReLUs fused, "
                + plan.concatsInPlace().size() + " concats in place");
        String input = model.inputNames().get(0);
        Shape in = model.inputShape(input);
        inputs = Map.of(input, backend.upload(ZooAssets.input(batch, in.dim(1), in.dim(2), in.dim(3))));
        // The first pass finds cuDNN's algorithms for each shape, outside JMH's first measured call.
        model.forward(inputs);
        backend.synchronize();
    }

    /**
     * Zoo net {@code name} cut after its code layer, for batches of {@code batch} on {@code backend}, with
     * {@link ZooAssets}' weights, planned for inference with BatchNorm folded and only the code layer's output kept.
     */
    static Net build(String name, int batch, Backend backend) {
        String code = CODE_LAYERS.get(name);
        NetDefinition def = NetDefinition.read(ZooAssets.prototxt(name)).normalized(Phase.TEST)
                .truncatedAfter(code, false);
        Net net = Net.build(def, Phase.TEST, backend);
        String input = net.inputNames().get(0);
        int[] dims = net.inputShape(input).dims();
        dims[0] = batch;
        net.setInputShape(input, Shape.of(dims));
        ZooAssets.fill(net, name.hashCode(), backend);
        net.planInference(InferenceRequest.layerOutputs(List.of(code)));
        return net;
    }

    @Benchmark
    public Tensor forward() {
        model.forward(inputs);
        backend.synchronize();
        return model.output(codeLayer);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
    }
}
