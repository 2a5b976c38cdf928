package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.cortado.backend.Backend;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.CaffeModelReader;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.finetune.FineTuneConfig;
import org.cortado.finetune.FineTuneListener;
import org.cortado.finetune.FineTuneResult;
import org.cortado.finetune.FineTuner;
import org.cortado.finetune.NetSurgery;
import org.cortado.io.Npy;
import org.cortado.layers.Layer;
import org.cortado.layers.LayerType;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.net.NetWeights;
import org.cortado.net.proto.NetProtos;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.EveryLayerNet;
import org.cortado.testing.TinyFineTuning;
import org.cortado.testing.TinyImages;
import org.cortado.testing.TinyNets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Training on the GPU backend against training on the CPU oracle, written once: a forward and backward pass of a
 * small net with every kind of layer training touches, the same of the SqueezeNet reference model with its weights on
 * its reference input, and a short fine-tuning run; values, gradients of every blob (each layer's input gradient),
 * parameter gradients and the weights after training are compared. {@link GpuNetTrainingParityTest} runs it on a
 * GPU with both convolution implementations, {@link EmulatedNetTrainingParityTest} on the emulated device.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class NetTrainingParityContract {
    /** Absolute tolerance: values and gradients of order 1 after a dozen layers forward and back. */
    private static final float TRAIN_TOL = 1e-4f;
    /** Relative: float32 sums in other orders (GEMM blocking, reductions), compounded through the layers. */
    private static final float TRAIN_EPS = 1e-3f;
    /**
     * Relative to a tensor's largest magnitude: a gradient summed over a batch of terms that nearly cancel carries the
     * rounding error of its terms, not of its result.
     */
    private static final float TRAIN_RANGE_EPS = 1e-4f;
    /**
     * Relative to a weight's largest magnitude, after a fine-tuning run: ten SGD steps, each adding the last step's
     * rounding differences to the next gradients.
     */
    private static final float FINETUNE_RANGE_EPS = 1e-3f;
    private static final long SEED = 20251126L;

    private static final CpuBackend CPU = new CpuBackend(2);
    private final Map<ConvImpl, GpuBackend> gpus = new EnumMap<>(ConvImpl.class);

    @TempDir
    static Path dir;

    /** A backend of the kind under test, or an aborted test when it cannot run this configuration here. */
    abstract GpuBackend open(ConvImpl conv);

    private GpuBackend gpu(ConvImpl conv) {
        return gpus.computeIfAbsent(conv, this::open);
    }

    @AfterAll
    void close() {
        gpus.values().forEach(GpuBackend::close);
    }

    /**
     * A small training net with every kind of layer training touches: a learned Scale first (so that conv1 computes
     * its input gradient), convolutions with stride, padding and groups, ReLU, LRN in both modes, MAX and AVE pooling,
     * a blob read by two branches joined by Concat (the net adds their gradients), BatchNorm with batch statistics,
     * inner products, dropout, and two losses on one blob beside an Accuracy.
     */
    static final String SMALL_NET = """
            name: "small_train"
            layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 3 dim: 3 dim: 15 dim: 15 } } }
            layer { name: "label" type: "Input" top: "label" input_param { shape { dim: 3 } } }
            layer { name: "scale0" type: "Scale" bottom: "data" top: "scaled" scale_param { bias_term: true } }
            layer { name: "conv1" type: "Convolution" bottom: "scaled" top: "conv1"
                    convolution_param { num_output: 8 kernel_size: 3 stride: 2 pad: 1 } }
            layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
            layer { name: "norm1" type: "LRN" bottom: "conv1" top: "norm1"
                    lrn_param { local_size: 3 alpha: 0.1 beta: 0.75 } }
            layer { name: "pool1" type: "Pooling" bottom: "norm1" top: "pool1"
                    pooling_param { pool: MAX kernel_size: 3 stride: 2 } }
            layer { name: "left" type: "Convolution" bottom: "pool1" top: "left"
                    convolution_param { num_output: 4 kernel_size: 1 } }
            layer { name: "right" type: "Convolution" bottom: "pool1" top: "right"
                    convolution_param { num_output: 6 kernel_size: 3 pad: 1 group: 2 } }
            layer { name: "concat" type: "Concat" bottom: "left" bottom: "right" top: "concat" }
            layer { name: "bn" type: "BatchNorm" bottom: "concat" top: "bn" }
            layer { name: "bn_scale" type: "Scale" bottom: "bn" top: "bn" scale_param { bias_term: true } }
            layer { name: "relu2" type: "ReLU" bottom: "bn" top: "bn" }
            layer { name: "norm2" type: "LRN" bottom: "bn" top: "norm2"
                    lrn_param { local_size: 3 alpha: 0.2 beta: 0.75 norm_region: WITHIN_CHANNEL } }
            layer { name: "pool2" type: "Pooling" bottom: "norm2" top: "pool2"
                    pooling_param { pool: AVE kernel_size: 2 stride: 1 } }
            layer { name: "ip1" type: "InnerProduct" bottom: "pool2" top: "ip1" inner_product_param { num_output: 12 } }
            layer { name: "relu3" type: "ReLU" bottom: "ip1" top: "ip1" }
            layer { name: "drop" type: "Dropout" bottom: "ip1" top: "ip1" dropout_param { dropout_ratio: 0.3 } }
            layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2" inner_product_param { num_output: 5 } }
            layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
            layer { name: "hinge" type: "HingeLoss" bottom: "ip2" bottom: "label" top: "hinge" loss_weight: 0.5
                    hinge_loss_param { norm: L2 } }
            layer { name: "accuracy" type: "Accuracy" bottom: "ip2" bottom: "label" top: "accuracy" }
            """;

    static Path shared() {
        return NetParityContract.shared();
    }

    @ParameterizedTest
    @EnumSource(ConvImpl.class)
    void smallNetForwardAndBackwardMatchTheCpu(ConvImpl impl) {
        GpuBackend gpu = gpu(impl);
        NetParameter.Builder b = NetParameter.newBuilder();
        Prototxt.parseText("SMALL_NET", SMALL_NET, b);
        Net onCpu = NetProtos.build(b.build(), Phase.TRAIN, CPU);
        Net onGpu = NetProtos.build(b.build(), Phase.TRAIN, gpu);
        SplittableRandom r = new SplittableRandom(SEED);
        for (int i = 0; i < onCpu.layers().size(); i++) {
            Layer layer = onCpu.layers().get(i);
            if (layer.type() == LayerType.BATCH_NORM) {
                continue; // statistics start at zero, as a fresh net's; training uses the batch's
            }
            List<Param> cpuParams = layer.params();
            for (int j = 0; j < cpuParams.size(); j++) {
                Shape s = cpuParams.get(j).shape();
                // He-scaled weights keep activations of order 1; Scale factors near 1; small biases.
                double mean = layer.type() == LayerType.SCALE && j == 0 ? 1 : 0;
                double std = s.rank() > 1 ? Math.sqrt(2.0 / (s.count() / s.dim(0))) : 0.1;
                float[] v = new float[s.count()];
                for (int e = 0; e < v.length; e++) {
                    v[e] = (float) (mean + r.nextGaussian() * std);
                }
                Tensor values = Tensor.wrap(s, v);
                cpuParams.get(j).setData(values);
                onGpu.layers().get(i).params().get(j).setData(gpu.upload(values));
            }
        }
        float[] x = new float[3 * 3 * 15 * 15];
        for (int j = 0; j < x.length; j++) {
            x[j] = (float) r.nextDouble(-1, 1);
        }
        Map<String, Tensor> inputs = Map.of("data", Tensor.wrap(Shape.of(3, 3, 15, 15), x),
                "label", Tensor.wrap(Shape.of(3), new float[] {4, 0, 2}));
        double[] losses = new double[2];
        int k = 0;
        for (Net net : List.of(onCpu, onGpu)) {
            net.setRandomState(SEED, 5);
            net.clearParamDiffs();
            losses[k++] = net.forwardBackward(inputs);
        }
        assertEquals(losses[0], losses[1], TRAIN_TOL + Math.abs(losses[0]) * TRAIN_EPS, "weighted loss");
        assertSameTraining("small net (" + impl + ")", onCpu, onGpu, gpu);
    }

    /**
     * The net of every layer cortado took over from Caffe after the classification nets (core's EveryLayerNet: neuron
     * functions, PReLU, Slice, Deconvolution, Crop, MVN, STOCHASTIC pooling, Threshold, Bias, Tile, Reduction,
     * ArgMax, Embed, Silence, the five losses): at test time every top, in training every blob, gradient and
     * parameter gradient (STOCHASTIC pooling draws the same inputs on both: its random stream is the CPU's).
     */
    @ParameterizedTest
    @EnumSource(ConvImpl.class)
    void everyLayerNetMatchesTheCpu(ConvImpl impl) {
        GpuBackend gpu = gpu(impl);
        NetParameter.Builder b = NetParameter.newBuilder();
        Prototxt.parseText("EveryLayerNet", EveryLayerNet.NET, b);
        Map<String, Tensor> inputs = EveryLayerNet.inputs();
        Net testCpu = NetProtos.build(b.build(), Phase.TEST, CPU);
        Net testGpu = NetProtos.build(b.build(), Phase.TEST, gpu);
        List<String> failures = new ArrayList<>();
        for (Net net : List.of(testCpu, testGpu)) {
            EveryLayerNet.setParameters(net);
            net.forward(inputs);
        }
        for (int i = 0; i < testCpu.layers().size(); i++) {
            for (int t = 0; t < testCpu.topsOf(i).size(); t++) {
                compare(testCpu.layers().get(i).name() + " top " + t + " (test)", testCpu.topsOf(i).get(t),
                        testGpu.topsOf(i).get(t), gpu, failures);
            }
        }
        assertTrue(failures.isEmpty(), "every-layer net at test time on " + gpu.name() + " differs from the CPU:\n"
                + String.join("\n", failures));
        Net onCpu = NetProtos.build(b.build(), Phase.TRAIN, CPU);
        Net onGpu = NetProtos.build(b.build(), Phase.TRAIN, gpu);
        for (Net net : List.of(onCpu, onGpu)) {
            EveryLayerNet.setParameters(net);
            net.setRandomState(SEED, 0);
            net.clearParamDiffs();
            net.forwardBackward(inputs);
        }
        assertSameTraining("every-layer net (" + impl + ")", onCpu, onGpu, gpu);
    }

    @ParameterizedTest
    @EnumSource(ConvImpl.class)
    void squeezeNetReferenceBackwardMatchesTheCpu(ConvImpl impl) {
        Path root = shared();
        Path deploy = root.resolve("models/squeezenet_v1.0/deploy.prototxt");
        Path weights = root.resolve("models/squeezenet_v1.0/squeezenet_v1.0.caffemodel");
        Path input = root.resolve("reference/squeezenet_v1.0/cat/input.npy");
        for (Path f : List.of(deploy, weights, input)) {
            Assumptions.assumeTrue(Files.isRegularFile(f), "shared file " + f + " not found (set cortado.shared)");
        }
        GpuBackend gpu = gpu(impl);
        NetSurgery.TrainingNet training = NetSurgery.forTraining(org.cortado.net.NetDefinition.read(deploy), 1);
        var w = CaffeModelReader.read(weights);
        Net onCpu = Net.build(training.definition(), Phase.TRAIN, CPU);
        Net onGpu = Net.build(training.definition(), Phase.TRAIN, gpu);
        // Each convolution fused with its ReLU on both, as FineTuner runs them (the small net above runs unfused).
        assertEquals(onCpu.fuseReLUs(), onGpu.fuseReLUs());
        NetWeights.copy(w, onCpu);
        NetWeights.copy(w, onGpu);
        String data = onCpu.inputNames().stream().filter(n -> !n.equals(training.label())).findFirst().orElseThrow();
        // 281: ImageNet's "tabby cat", the reference image's class, so that the loss is that of a trained net.
        Map<String, Tensor> inputs = Map.of(data, Npy.read(input),
                training.label(), Tensor.wrap(Shape.of(1), new float[] {281}));
        for (Net net : List.of(onCpu, onGpu)) {
            net.setRandomState(SEED, 0);
            net.clearParamDiffs();
            net.forwardBackward(inputs);
        }
        assertSameTraining("SqueezeNet v1.0 backward (" + impl + ")", onCpu, onGpu, gpu);
    }

    /**
     * Every blob's value and gradient, and every parameter's value and gradient, on both backends; a failure lists
     * each tensor that differs with its first mismatching elements.
     */
    private static void assertSameTraining(String what, Net onCpu, Net onGpu, GpuBackend gpu) {
        List<String> failures = new ArrayList<>();
        int compared = 0;
        for (int i = 0; i < onCpu.layers().size(); i++) {
            String layer = onCpu.layers().get(i).name();
            for (int t = 0; t < onCpu.topsOf(i).size(); t++) {
                compare(layer + " top " + t, onCpu.topsOf(i).get(t), onGpu.topsOf(i).get(t), gpu, failures);
                Tensor d = onCpu.topDiffOf(i, t);
                if (d != null) {
                    compare(layer + " top " + t + " gradient", d, onGpu.topDiffOf(i, t), gpu, failures);
                    compared++;
                }
            }
        }
        List<Param> cpuParams = onCpu.params();
        List<Param> gpuParams = onGpu.params();
        for (int i = 0; i < cpuParams.size(); i++) {
            Param p = cpuParams.get(i);
            compare("param " + p, p.data(), gpuParams.get(i).data(), gpu, failures);
            if (p.diffOrNull() != null) {
                compare("param " + p + " gradient", p.diffOrNull(), gpuParams.get(i).diffOrNull(), gpu, failures);
                compared++;
            }
        }
        assertTrue(compared > 0, what + ": no gradient was computed");
        if (!failures.isEmpty()) {
            fail(what + " on " + gpu.name() + " differs from the CPU in " + failures.size() + " tensor(s):\n"
                    + String.join("\n", failures));
        }
    }

    private static void compare(String name, Tensor want, Tensor got, Backend gpu, List<String> failures) {
        if (got == null) {
            failures.add("  " + name + ": computed on the CPU only");
            return;
        }
        float[] w = want.hostData();
        float range = OpParity.maxAbs(w, want.count());
        String f = OpParity.compare(name, want.shape(), java.util.Arrays.copyOf(w, want.count()),
                gpu.download(got).hostData(), TRAIN_TOL + TRAIN_RANGE_EPS * range, TRAIN_EPS);
        if (f != null) {
            failures.add(f);
        }
    }

    // ---- a fine-tuning run ------------------------------------------------------------------------------------------

    /** The tiny image set and net of the fine-tuning tests (core's TinyImages and TinyNets), made once. */
    private static Path[] tinyMaterial() throws IOException {
        Path deploy = dir.resolve("tiny.prototxt");
        Path weights = dir.resolve("tiny.caffemodel");
        if (!Files.exists(weights)) {
            TinyImages.write(dir.resolve("data"), 12, 6, 5);
            Files.writeString(deploy, TinyNets.DEPLOY);
            TinyImages.writeTinyWeights(weights, 9);
        }
        return new Path[] {deploy, weights, dir.resolve("data")};
    }

    /**
     * Two epochs of fine-tuning the tiny net (10 SGD steps of batch 5 with momentum and decay, dropout, random mirror,
     * the linear probe first), all layers or with the layers through the fire module frozen and their outputs cached,
     * with the same seed on both backends: the weights at the end agree.
     */
    @ParameterizedTest
    @EnumSource(ConvImpl.class)
    void fineTuningEndsWithTheCpuWeights(ConvImpl impl) throws IOException {
        GpuBackend gpu = gpu(impl);
        Path[] m = tinyMaterial();
        for (String freeze : new String[] {null, "fire/concat"}) {
            FineTuneConfig cfg = TinyFineTuning.config(m[0], m[1], m[2]).freezeThrough(freeze).epochs(2).build();
            Net[] nets = new Net[2];
            FineTuneResult[] results = new FineTuneResult[2];
            List<Backend> backends = List.of(CPU, gpu);
            for (int k = 0; k < 2; k++) {
                int slot = k;
                results[k] = FineTuner.run(cfg, backends.get(k), new FineTuneListener() {
                    @Override
                    public void built(Net net) {
                        nets[slot] = net;
                    }
                });
            }
            assertEquals(results[0].iterations(), results[1].iterations());
            assertEquals(results[0].cachedThrough(), results[1].cachedThrough());
            List<String> failures = new ArrayList<>();
            List<Param> cpuParams = nets[0].params();
            for (int i = 0; i < cpuParams.size(); i++) {
                float[] want = java.util.Arrays.copyOf(cpuParams.get(i).data().hostData(),
                        cpuParams.get(i).shape().count());
                float range = OpParity.maxAbs(want, want.length);
                String f = OpParity.compare("param " + cpuParams.get(i), cpuParams.get(i).shape(), want,
                        gpu.download(nets[1].params().get(i).data()).hostData(),
                        TRAIN_TOL + FINETUNE_RANGE_EPS * range, TRAIN_EPS);
                if (f != null) {
                    failures.add(f);
                }
            }
            if (!failures.isEmpty()) {
                fail("fine-tuning (freeze through " + freeze + ", " + impl + ") on " + gpu.name()
                        + " ends with other weights than on the CPU:\n" + String.join("\n", failures));
            }
        }
    }
}
