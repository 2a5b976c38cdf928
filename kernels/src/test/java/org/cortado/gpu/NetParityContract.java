package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.cortado.backend.Backend;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.data.ImageDataset;
import org.cortado.data.LabeledImage;
import org.cortado.features.CodeExtractor;
import org.cortado.features.FeatureSet;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.net.proto.NetProtos;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.transfer.CodeNet;
import org.cortado.transfer.CodeSpec;
import org.cortado.transfer.InputRecipe;
import org.cortado.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Whole nets on the GPU backend against the same nets on the CPU oracle: the shared models' deploy definitions with
 * the same random (He-scaled) weights and inputs on both backends, and the reference models with their real weights
 * on their reference input; every blob compared after the forward pass. {@link GpuNetParityTest} runs it on a GPU
 * with both convolution implementations, {@link EmulatedNetParityTest} on the emulated device.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class NetParityContract {
    /** Absolute tolerance for blobs after ~20 layers; activations are of order 1 with He-scaled weights. */
    static final float NET_TOL = 1e-4f;
    /** Relative: float32 rounding differences grow through the layers (cuDNN and the CPU sum in other orders). */
    static final float NET_EPS = 1e-3f;
    /**
     * Relative to the blob's largest magnitude: a sum of large terms that nearly cancel (a small activation after a
     * convolution of 0..255 pixels) carries the rounding error of its terms, not of its result.
     */
    static final float NET_RANGE_EPS = 1e-4f;
    private static final int BATCH = 2;

    private static final CpuBackend CPU = new CpuBackend(2);
    private final Map<ConvImpl, GpuBackend> gpus = new java.util.EnumMap<>(ConvImpl.class);

    /** A backend of the kind under test, or an aborted test when it cannot run this configuration here. */
    abstract GpuBackend open(ConvImpl conv);

    /** Whether AlexNet (61 M parameters) is worth its time on this backend. */
    abstract boolean fullSize();

    @AfterAll
    void close() {
        gpus.values().forEach(GpuBackend::close);
    }

    static Path shared() {
        String p = System.getProperty("cortado.shared", System.getenv().getOrDefault("CORTADO_SHARED", "../../shared"));
        return Path.of(p);
    }

    /**
     * The shared reference models with their real weights, on the image the OpenCV references were made from: the GPU
     * against the CPU, every blob.
     */
    @ParameterizedTest
    @CsvSource({"models/squeezenet_v1.0/deploy.prototxt, models/squeezenet_v1.0/squeezenet_v1.0.caffemodel, "
            + "reference/squeezenet_v1.0/cat/input.npy, CUDNN",
        "models/squeezenet_v1.0/deploy.prototxt, models/squeezenet_v1.0/squeezenet_v1.0.caffemodel, "
            + "reference/squeezenet_v1.0/cat/input.npy, IM2COL_GEMM",
        "models/tiny/caffenet_narrow_deploy.prototxt, models/tiny/caffenet_narrow_v1.caffemodel, "
            + "reference/caffenet_narrow/cat/input.npy, CUDNN",
        "models/tiny/caffenet_narrow_deploy.prototxt, models/tiny/caffenet_narrow_v1.caffemodel, "
            + "reference/caffenet_narrow/cat/input.npy, IM2COL_GEMM"})
    void referenceModelsWithTheirWeightsMatchTheCpu(String model, String weights, String input, ConvImpl impl) {
        ReferenceNetPair pair = ReferenceNetPair.forward(model, weights, input, CPU,
                () -> gpus.computeIfAbsent(impl, this::open));
        compareAllBlobs(model + " with " + weights, pair.onCpu(), pair.onGpu(), pair.gpu());
    }

    /** Whether the backend can capture CUDA graphs. */
    boolean graphs() {
        return false;
    }

    @ParameterizedTest
    @CsvSource({"models/squeezenet_v1.0/deploy.prototxt, CUDNN", "models/squeezenet_v1.0/deploy.prototxt, IM2COL_GEMM",
        "models/tiny/caffenet_narrow_deploy.prototxt, CUDNN", "models/tiny/caffenet_narrow_deploy.prototxt, IM2COL_GEMM",
        "models/caffe/bvlc_alexnet/deploy.prototxt, CUDNN"})
    void everyBlobMatchesTheCpu(String model, ConvImpl impl) {
        Path file = shared().resolve(model);
        Assumptions.assumeTrue(Files.isRegularFile(file), "shared model " + file + " not found (set cortado.shared)");
        Assumptions.assumeTrue(fullSize() || !model.contains("alexnet"), "AlexNet is left to the GPU");
        Net[] nets = randomNets(file, impl);
        Net onCpu = nets[0];
        Net onGpu = nets[1];
        String input = onCpu.inputNames().get(0);
        Shape inShape = onCpu.inputShape(input);
        Tensor in = randomInput(inShape, model.hashCode());
        onCpu.forward(Map.of(input, in));
        onGpu.forward(Map.of(input, in));
        compareAllBlobs(model, onCpu, onGpu, gpus.get(impl));
    }

    /**
     * SqueezeNet's fire and GoogLeNet's inception concats written in place on the device
     * ({@link Net#writeConcatsInPlace}, as feature extraction runs them), against the CPU's layer-by-layer concats:
     * every concat and the last blob. (The branches' own blobs are not written by such a pass, so they are not
     * compared.)
     */
    @ParameterizedTest
    @CsvSource({"models/squeezenet_v1.0/deploy.prototxt, CUDNN, 8, pool_final",
        "models/squeezenet_v1.0/deploy.prototxt, IM2COL_GEMM, 8, pool_final",
        "models/caffe/bvlc_googlenet/deploy.prototxt, CUDNN, 9, prob"})
    void concatsWrittenInPlaceMatchTheCpu(String model, ConvImpl impl, int expectedConcats, String last) {
        Path file = shared().resolve(model);
        Assumptions.assumeTrue(Files.isRegularFile(file), "shared model " + file + " not found (set cortado.shared)");
        Net[] nets = randomNets(file, impl);
        Net onCpu = nets[0];
        Net onGpu = nets[1];
        List<String> concats = onGpu.writeConcatsInPlace();
        assertEquals(expectedConcats, concats.size(), concats.toString());
        String input = onCpu.inputNames().get(0);
        Tensor in = randomInput(onCpu.inputShape(input), 3);
        onCpu.forward(Map.of(input, in));
        onGpu.forward(Map.of(input, in));
        List<String> blobs = new ArrayList<>(concats);
        blobs.add(last);
        compareBlobs(model + " with concats written in place", blobs, onCpu, onGpu, gpus.get(impl));
    }

    /**
     * A whole forward pass captured as a CUDA graph (as NetForwardBench's graph rows do) and replayed on a new input
     * written into the captured input tensor: every blob as the CPU computes it for that input.
     */
    @ParameterizedTest
    @EnumSource(ConvImpl.class)
    void aCapturedForwardReplaysOnANewInput(ConvImpl impl) {
        Assumptions.assumeTrue(graphs(), "this backend cannot capture CUDA graphs");
        Path file = shared().resolve("models/tiny/caffenet_narrow_deploy.prototxt");
        Assumptions.assumeTrue(Files.isRegularFile(file), "shared model " + file + " not found (set cortado.shared)");
        Net[] nets = randomNets(file, impl);
        Net onCpu = nets[0];
        Net onGpu = nets[1];
        GpuBackend gpu = gpus.get(impl);
        String input = onCpu.inputNames().get(0);
        Shape inShape = onCpu.inputShape(input);
        Tensor onDevice = gpu.upload(randomInput(inShape, 1));
        // The first pass plans the convolutions (cuDNN's algorithm search cannot be captured).
        onGpu.forward(Map.of(input, onDevice));
        try (GpuGraph graph = gpu.capture(() -> onGpu.forward(Map.of(input, onDevice)))) {
            Tensor next = randomInput(inShape, 2);
            gpu.copy(gpu.upload(next), onDevice);
            graph.launch();
            onCpu.forward(Map.of(input, next));
            compareAllBlobs(file + " replayed from a graph", onCpu, onGpu, gpu);
        }
    }

    /**
     * The model on the CPU and on the backend under test (batch BATCH), with the same He-scaled random weights, each
     * convolution fused with its ReLU (the reference models above run layer by layer).
     */
    private Net[] randomNets(Path file, ConvImpl impl) {
        GpuBackend gpu = gpus.computeIfAbsent(impl, this::open);
        NetParameter def = Prototxt.readNet(file);
        Net onCpu = NetProtos.build(def, Phase.TEST, CPU);
        Net onGpu = NetProtos.build(def, Phase.TEST, gpu);
        assertEquals(onCpu.fuseReLUs(), onGpu.fuseReLUs());
        String input = onCpu.inputNames().get(0);
        int[] dims = onCpu.inputShape(input).dims();
        dims[0] = BATCH;
        Shape inShape = Shape.of(dims);
        onCpu.setInputShape(input, inShape);
        onGpu.setInputShape(input, inShape);
        SplittableRandom r = new SplittableRandom(file.getFileName().hashCode());
        List<Param> cpuParams = onCpu.params();
        List<Param> gpuParams = onGpu.params();
        assertEquals(cpuParams.size(), gpuParams.size());
        for (int i = 0; i < cpuParams.size(); i++) {
            Shape s = cpuParams.get(i).shape();
            // He initialisation keeps activations of order 1 through ReLU layers; biases small.
            double std = s.rank() > 1 ? Math.sqrt(2.0 / (s.count() / s.dim(0))) : 0.1;
            float[] v = new float[s.count()];
            for (int j = 0; j < v.length; j++) {
                v[j] = (float) (r.nextGaussian() * std);
            }
            Tensor host = Tensor.wrap(s, v);
            cpuParams.get(i).setData(host);
            gpuParams.get(i).setData(gpu.upload(host));
        }
        return new Net[] {onCpu, onGpu};
    }

    static Tensor randomInput(Shape shape, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[shape.count()];
        for (int j = 0; j < x.length; j++) {
            x[j] = (float) r.nextDouble(-1, 1);
        }
        return Tensor.wrap(shape, x);
    }

    /**
     * Feature extraction moves to the GPU unchanged: SqueezeNet's fire9 codes (averaged, post-ReLU) of a few
     * ants/bees images, with a one-image-short last batch and a file that does not decode, equal the CPU's. On the GPU
     * the loader only resizes and the backend crops and subtracts the mean ({@code transformPixels}).
     */
    @ParameterizedTest
    @EnumSource(ConvImpl.class)
    void extractedCodesMatchTheCpu(ConvImpl impl, @TempDir Path tmp) throws IOException {
        Path dir = shared();
        Path deploy = dir.resolve("models/squeezenet_v1.0/deploy.prototxt");
        Path weights = dir.resolve("models/squeezenet_v1.0/squeezenet_v1.0.caffemodel");
        Path images = dir.resolve("data/hymenoptera/val/ants");
        for (Path f : List.of(deploy, weights, images)) {
            Assumptions.assumeTrue(Files.exists(f), "shared file " + f + " not found");
        }
        GpuBackend gpu = gpus.computeIfAbsent(impl, this::open);
        List<LabeledImage> samples = new ArrayList<>();
        try (var files = Files.list(images)) {
            files.sorted().limit(4).forEach(f -> samples.add(new LabeledImage(f, 0)));
        }
        Path broken = Files.writeString(tmp.resolve("broken.jpg"), "not a jpeg");
        samples.add(2, new LabeledImage(broken, 0));
        ImageDataset data = new ImageDataset(List.of("ants"), samples);
        InputRecipe recipe = InputRecipe.centre(TransformSpec.of(new ResizeMode.Fixed(256, 256), 227, 104, 117, 123));
        CodeSpec spec = new CodeSpec("fire9/concat", CodeSpec.Activation.POST, CodeSpec.Pooling.AVG);
        CodeExtractor.Options options = new CodeExtractor.Options(2, 2, 100);
        FeatureSet[] sets = new FeatureSet[2];
        List<Backend> backends = List.of(CPU, gpu);
        for (int k = 0; k < 2; k++) {
            CodeNet codes = CodeNet.load(deploy, weights, spec, recipe, backends.get(k));
            assertEquals(k == 1, codes.takesPixels());
            try (Progress quiet = Progress.onStderr("codes", "img", data.size(), true)) {
                sets[k] = codes.extract(data, tmp.resolve("codes" + k + ".npy"), options, quiet, false);
            }
        }
        assertEquals(sets[0].codes().shape(), sets[1].codes().shape());
        assertEquals(Shape.of(4, 512), sets[0].codes().shape());
        float[] want = sets[0].codes().hostData();
        float range = OpParity.maxAbs(want, want.length);
        assertEquals(null, OpParity.compare("fire9 codes", sets[0].codes().shape(), want,
                sets[1].codes().hostData(), NET_TOL + NET_RANGE_EPS * range, NET_EPS));
    }

    private static void compareAllBlobs(String model, Net onCpu, Net onGpu, GpuBackend gpu) {
        compareBlobs(model, onCpu.blobNames(), onCpu, onGpu, gpu);
    }

    private static void compareBlobs(String model, List<String> blobs, Net onCpu, Net onGpu, GpuBackend gpu) {
        List<String> failures = new ArrayList<>();
        for (String blob : blobs) {
            Tensor want = onCpu.blob(blob);
            float range = OpParity.maxAbs(want.hostData(), want.count());
            String f = OpParity.compare(blob, want.shape(), want.hostData(), gpu.download(onGpu.blob(blob)).hostData(),
                    NET_TOL + NET_RANGE_EPS * range, NET_EPS);
            if (f != null) {
                failures.add(f);
            }
        }
        if (!failures.isEmpty()) {
            fail(model + " on " + gpu.name() + " differs from the CPU in " + failures.size() + " blob(s):\n"
                    + String.join("\n", failures));
        }
    }
}
