package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.cortado.backend.Backend;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.layers.Layer;
import org.cortado.layers.LayerType;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.InferenceRequest;
import org.cortado.net.MemoryReport;
import org.cortado.net.Net;
import org.cortado.net.NetDefinition;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Model Zoo's deeper nets (issue 22, goal 3) on the device backend against the CPU, planned for inference as
 * {@code cortado forward} and the GPU benchmark ({@code ZooForwardBench}) run them: BatchNorm and Scale folded into
 * the convolutions on the device, ReLUs fused, concats written in place, only the code layer kept. BatchNorm and Scale
 * get non-trivial statistics (an identity fold would prove nothing). {@link GpuZooNetParityTest} runs it on a GPU,
 * {@link EmulatedZooNetParityTest} and {@link HostCudaZooNetParityTest} without one (the small net and SqueezeNet
 * v1.1; ResNet-50, VGG-16 and GoogLeNet are left to the GPU for time).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ZooNetParityContract {
    private static final int BATCH = 2;
    /** BF16 through the small net's six convolutions: relative to the output's largest magnitude. */
    private static final float BF16_RANGE_EPS = 0.05f;
    /** The small net of the ops ResNet-50 and GoogLeNet add (test resource). */
    private static final Path ZOO_OPS = Path.of("src/test/resources/nets/zoo_ops.prototxt");

    /** All cores: on the GPU machine the CPU side of VGG-16 is the slow one. */
    private static final CpuBackend CPU = new CpuBackend();
    private final Map<ConvImpl, GpuBackend> gpus = new java.util.EnumMap<>(ConvImpl.class);

    /** A backend of the kind under test, or an aborted test when it cannot run this configuration here. */
    abstract GpuBackend open(ConvImpl conv);

    /** Whether ResNet-50, VGG-16 and GoogLeNet (4-16 GFLOP an image) are worth their time on this backend. */
    abstract boolean fullSize();

    /** A cuDNN backend in BF16 (ZooForwardBench's BF16 rows), or an aborted test where there is none. */
    GpuBackend openBf16() {
        Assumptions.abort("no cuDNN in BF16 on this backend");
        return null;
    }

    /** The convolution implementation the whole Zoo nets run with here (the GPU benchmark's: cuDNN). */
    ConvImpl zooConv() {
        return ConvImpl.CUDNN;
    }

    @AfterAll
    void close() {
        gpus.values().forEach(GpuBackend::close);
    }

    /**
     * The fold itself on the device: the small net planned on the device (eight BatchNorm and Scale layers folded into
     * four convolutions whose weights stay on the device) against the CPU running every layer unfolded.
     */
    @ParameterizedTest
    @EnumSource(ConvImpl.class)
    void batchNormFoldedOnTheDeviceMatchesTheUnfoldedCpu(ConvImpl impl) {
        GpuBackend gpu = gpus.computeIfAbsent(impl, this::open);
        NetDefinition def = NetDefinition.read(ZOO_OPS);
        Net onCpu = Net.build(def, Phase.TEST, CPU);
        Net onGpu = Net.build(def, Phase.TEST, gpu);
        randomWeights(onCpu, onGpu, gpu, 7);
        MemoryReport plan = onGpu.planInference(InferenceRequest.layerOutputs(List.of("fc")));
        assertEquals(List.of("bn_conv1", "scale_conv1", "bn_branch1", "scale_branch1", "bn_branch2a", "scale_branch2a",
                "bn_branch2b", "scale_branch2b"), plan.folded());
        for (String conv : List.of("conv1", "res_branch1", "res_branch2a", "res_branch2b")) {
            assertFalse(onGpu.layers().get(onGpu.indexOf(conv)).params().get(0).data().isHost(),
                    conv + "'s folded weights left the device");
        }
        String input = onCpu.inputNames().get(0);
        Tensor in = NetParityContract.randomInput(onCpu.inputShape(input), 3);
        onCpu.forward(Map.of(input, in));
        onGpu.forward(Map.of(input, gpu.upload(in)));
        compare("zoo_ops fc, folded on " + gpu.name(), onCpu.blob("fc"), gpu.download(onGpu.output("fc")));
    }

    /**
     * The same plan with BF16 convolutions (inputs and weights rounded to 8 mantissa bits, sums in float): the fold
     * and the planned buffers work in that mode too, the output within a few percent of the float32 CPU's.
     */
    @org.junit.jupiter.api.Test
    void batchNormFoldedOnTheDeviceRunsInBf16() {
        GpuBackend bf16 = openBf16();
        try {
            NetDefinition def = NetDefinition.read(ZOO_OPS);
            Net onCpu = Net.build(def, Phase.TEST, CPU);
            Net onGpu = Net.build(def, Phase.TEST, bf16);
            randomWeights(onCpu, onGpu, bf16, 7);
            assertEquals(8, onGpu.planInference(InferenceRequest.layerOutputs(List.of("fc"))).folded().size());
            String input = onCpu.inputNames().get(0);
            Tensor in = NetParityContract.randomInput(onCpu.inputShape(input), 3);
            onCpu.forward(Map.of(input, in));
            onGpu.forward(Map.of(input, bf16.upload(in)));
            Tensor want = onCpu.blob("fc");
            float range = OpParity.maxAbs(want.hostData(), want.count());
            assertEquals(null, OpParity.compare("zoo_ops fc in BF16 on " + bf16.name(), want.shape(), want.hostData(),
                    bf16.download(onGpu.output("fc")).hostData(), BF16_RANGE_EPS * range, BF16_RANGE_EPS));
        } finally {
            bf16.close();
        }
    }

    /**
     * The Zoo nets to their code layers, planned on both backends (each folds its own copy of the same weights), at
     * batch 2: the code layer's output, and the same layers folded.
     */
    @ParameterizedTest
    @CsvSource({"squeezenet_v1.1, fire9/concat, 0", "resnet50, pool5, 106", "googlenet, pool5/7x7_s1, 0",
        "vgg16, relu7, 0"})
    void zooNetsPlannedOnTheDeviceMatchTheCpu(String name, String code, int folded) {
        Assumptions.assumeTrue(fullSize() || name.startsWith("squeezenet"), name + " is left to the GPU");
        Path prototxt = prototxt(name);
        Assumptions.assumeTrue(Files.isRegularFile(prototxt), prototxt + " not found (set cortado.shared)");
        GpuBackend gpu = gpus.computeIfAbsent(zooConv(), this::open);
        NetDefinition def = NetDefinition.read(prototxt).normalized(Phase.TEST).truncatedAfter(code, false);
        Net onCpu = Net.build(def, Phase.TEST, CPU);
        Net onGpu = Net.build(def, Phase.TEST, gpu);
        String input = onCpu.inputNames().get(0);
        int[] dims = onCpu.inputShape(input).dims();
        dims[0] = BATCH;
        onCpu.setInputShape(input, Shape.of(dims));
        onGpu.setInputShape(input, Shape.of(dims));
        randomWeights(onCpu, onGpu, gpu, name.hashCode());
        MemoryReport cpuPlan = onCpu.planInference(InferenceRequest.layerOutputs(List.of(code)));
        MemoryReport gpuPlan = onGpu.planInference(InferenceRequest.layerOutputs(List.of(code)));
        assertEquals(folded, gpuPlan.folded().size(), gpuPlan.folded().toString());
        assertEquals(cpuPlan.folded(), gpuPlan.folded());
        Tensor in = NetParityContract.randomInput(onCpu.inputShape(input), 5);
        onCpu.forward(Map.of(input, in));
        onGpu.forward(Map.of(input, gpu.upload(in)));
        compare(name + " " + code + " on " + gpu.name(), onCpu.output(code), gpu.download(onGpu.output(code)));
    }

    /** GoogLeNet from the shared models; the others from bench/models (beside kernels/ in the checkout). */
    private static Path prototxt(String name) {
        return name.equals("googlenet") ? NetParityContract.shared().resolve("models/caffe/bvlc_googlenet/deploy.prototxt")
                : Path.of("../bench/models", name, "deploy.prototxt");
    }

    /**
     * The same random parameters on both nets: He-normal convolutions and inner products, small biases, BatchNorm
     * statistics of mean N(0, 0.2^2) and variance in [0.5, 1.5) with factor 1, Scale's gamma 1 + N(0, 0.2^2) and beta
     * N(0, 0.1^2), so that each fold changes the weights.
     */
    private static void randomWeights(Net onCpu, Net onGpu, Backend gpu, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Layer> layers = onCpu.layers();
        for (int l = 0; l < layers.size(); l++) {
            Layer layer = layers.get(l);
            List<Param> cpuParams = layer.params();
            List<Param> gpuParams = onGpu.layers().get(l).params();
            for (int i = 0; i < cpuParams.size(); i++) {
                Shape s = cpuParams.get(i).shape();
                float[] v = new float[s.count()];
                for (int j = 0; j < v.length; j++) {
                    v[j] = (float) value(layer.type(), i, s, r);
                }
                Tensor host = Tensor.wrap(s, v);
                cpuParams.get(i).setData(host);
                gpuParams.get(i).setData(gpu.upload(host));
            }
        }
    }

    private static double value(LayerType type, int param, Shape s, SplittableRandom r) {
        if (type == LayerType.BATCH_NORM) {
            return switch (param) {
                case 0 -> r.nextGaussian() * 0.2;
                case 1 -> r.nextDouble(0.5, 1.5);
                default -> 1.0;
            };
        }
        if (type == LayerType.SCALE) {
            return param == 0 ? 1.0 + r.nextGaussian() * 0.2 : r.nextGaussian() * 0.1;
        }
        return r.nextGaussian() * (s.rank() > 1 ? Math.sqrt(2.0 / s.countFrom(1)) : 0.1);
    }

    private static void compare(String what, Tensor want, Tensor got) {
        float range = OpParity.maxAbs(want.hostData(), want.count());
        assertEquals(null, OpParity.compare(what, want.shape(), want.hostData(), got.hostData(),
                NetParityContract.NET_TOL + NetParityContract.NET_RANGE_EPS * range, NetParityContract.NET_EPS));
    }
}
