package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.layers.Layer;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Whole reference nets with their real weights in 16-bit storage against the float32 CPU, on the image the OpenCV
 * references were made from: SqueezeNet v1.0 (1x1 and 3x3 convolutions, concats, global AVE pooling) and the narrow
 * CaffeNet (AlexNet's layers: grouped convolutions, LRN, MAX pooling, inner products, dropout, softmax). Every blob's
 * largest error relative to the blob's largest magnitude is printed (the figures in bench/RESULTS.md) and bounded by
 * {@code 12u} at these depths (u the format's unit roundoff; the host-CUDA run measured at most 6.8u, SqueezeNet's
 * conv_final in bfloat16), with the same top-1 class; every blob and parameter is held in 16 bits.
 * {@link HostCudaHalfPrecisionNetTest} runs it on the host-CUDA device, {@link GpuHalfPrecisionNetTest} on a GPU.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class HalfPrecisionNetContract {
    private static final CpuBackend CPU = new CpuBackend();
    private final Map<Precision, GpuBackend> backends = new EnumMap<>(Precision.class);

    /** A cuDNN backend storing its tensors in {@code precision}, or an aborted test where there is none. */
    abstract GpuBackend open(Precision precision);

    @AfterAll
    void close() {
        backends.values().forEach(GpuBackend::close);
        backends.clear();
    }

    @ParameterizedTest
    @CsvSource({"models/squeezenet_v1.0/deploy.prototxt, models/squeezenet_v1.0/squeezenet_v1.0.caffemodel, "
            + "reference/squeezenet_v1.0/cat/input.npy, BF16",
        "models/squeezenet_v1.0/deploy.prototxt, models/squeezenet_v1.0/squeezenet_v1.0.caffemodel, "
            + "reference/squeezenet_v1.0/cat/input.npy, FP16",
        "models/tiny/caffenet_narrow_deploy.prototxt, models/tiny/caffenet_narrow_v1.caffemodel, "
            + "reference/caffenet_narrow/cat/input.npy, BF16",
        "models/tiny/caffenet_narrow_deploy.prototxt, models/tiny/caffenet_narrow_v1.caffemodel, "
            + "reference/caffenet_narrow/cat/input.npy, FP16"})
    void referenceNetsInSixteenBitsStayWithinTheFormatsRounding(String model, String weights, String input,
                                                                Precision precision) {
        ReferenceNetPair pair = ReferenceNetPair.forward(model, weights, input, CPU,
                () -> backends.computeIfAbsent(precision, this::open));
        Net onCpu = pair.onCpu();
        Net onGpu = pair.onGpu();
        GpuBackend gpu = pair.gpu();

        float bound = 12 * HalfPrecisionOpsContract.unit(precision);
        List<String> beyond = new ArrayList<>();
        StringBuilder table = new StringBuilder("max |16-bit - fp32| / max |fp32| per blob, " + model + " in "
                + precision.typeName() + " on " + gpu.name() + ":");
        float worst = 0;
        for (String blob : onCpu.blobNames()) {
            Tensor got = onGpu.blob(blob);
            assertEquals(precision, ((DeviceBuffer) got.buffer()).precision(), blob + " is not stored in 16 bits");
            float[] want = onCpu.blob(blob).hostData();
            float[] have = gpu.download(got).hostData();
            float err = maxDiff(want, have) / Math.max(OpParity.maxAbs(want, want.length), Float.MIN_NORMAL);
            worst = Math.max(worst, err);
            table.append(String.format("%n  %-24s %.2e", blob, err));
            if (!(err <= bound)) {
                beyond.add(String.format("%s: %.3g", blob, err));
            }
        }
        System.out.println(table.append(String.format("%n  worst %.2e (bound %.2e)", worst, bound)));
        for (Layer layer : onGpu.layers()) {
            for (Param p : layer.params()) {
                assertEquals(precision, ((DeviceBuffer) p.data().buffer()).precision(),
                        layer.name() + "'s parameters are not stored in 16 bits");
            }
        }
        assertEquals(List.of(), beyond, "blobs beyond " + bound + " of their range");
        String last = onCpu.blobNames().get(onCpu.blobNames().size() - 1);
        assertEquals(argmax(onCpu.blob(last).hostData()), argmax(gpu.download(onGpu.blob(last)).hostData()),
                "top-1 class of " + last);
        assertTrue(worst > 0, "a 16-bit net equal to the float32 one to the bit computes nothing in 16 bits");
    }

    /**
     * The codes command's path in 16 bits: SqueezeNet's fire9 codes (post-ReLU, averaged) of a few ants/bees images,
     * the pixels transformed on the device into the 16-bit input, the codes written as float32, within the same
     * {@code 12u} of their range of the float32 CPU's.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = Precision.class, names = {"BF16", "FP16"})
    void extractedCodesInSixteenBitsMatchTheCpu(Precision precision, @org.junit.jupiter.api.io.TempDir Path tmp)
            throws java.io.IOException {
        Path dir = NetParityContract.shared();
        Path deploy = dir.resolve("models/squeezenet_v1.0/deploy.prototxt");
        Path weights = dir.resolve("models/squeezenet_v1.0/squeezenet_v1.0.caffemodel");
        Path images = dir.resolve("data/hymenoptera/val/ants");
        for (Path f : List.of(deploy, weights, images)) {
            Assumptions.assumeTrue(Files.exists(f), "shared file " + f + " not found");
        }
        GpuBackend gpu = backends.computeIfAbsent(precision, this::open);
        List<org.cortado.data.LabeledImage> samples = new ArrayList<>();
        try (var files = Files.list(images)) {
            files.sorted().limit(3).forEach(f -> samples.add(new org.cortado.data.LabeledImage(f, 0)));
        }
        org.cortado.data.ImageDataset data = new org.cortado.data.ImageDataset(List.of("ants"), samples);
        org.cortado.transfer.InputRecipe recipe = org.cortado.transfer.InputRecipe.centre(
                org.cortado.image.TransformSpec.of(new org.cortado.image.ResizeMode.Fixed(256, 256), 227, 104, 117,
                        123));
        org.cortado.transfer.CodeSpec spec = new org.cortado.transfer.CodeSpec("fire9/concat",
                org.cortado.transfer.CodeSpec.Activation.POST, org.cortado.transfer.CodeSpec.Pooling.AVG);
        org.cortado.features.CodeExtractor.Options options = new org.cortado.features.CodeExtractor.Options(2, 2, 100);
        float[][] codes = new float[2][];
        List<org.cortado.backend.Backend> on = List.of(CPU, gpu);
        for (int k = 0; k < 2; k++) {
            org.cortado.transfer.CodeNet net = org.cortado.transfer.CodeNet.load(deploy, weights, spec, recipe,
                    on.get(k));
            try (org.cortado.util.Progress quiet = org.cortado.util.Progress.onStderr("codes", "img", data.size(),
                    true)) {
                codes[k] = net.extract(data, tmp.resolve("codes" + k + ".npy"), options, quiet, false).codes()
                        .hostData();
            }
        }
        assertEquals(3 * 512, codes[1].length);
        float err = maxDiff(codes[0], codes[1]) / OpParity.maxAbs(codes[0], codes[0].length);
        System.out.printf("fire9 codes in %s: max |16-bit - fp32| / max |fp32| = %.2e%n", precision.typeName(), err);
        assertTrue(err <= 12 * HalfPrecisionOpsContract.unit(precision) && err > 0, "relative error " + err);
    }

    /** Whether VGG-16 (15.5 GMAC an image) is worth its time on this backend. */
    abstract boolean fullSize();

    /**
     * The Zoo nets to their code layers in 16 bits, planned for inference as {@code forward} and {@code codes} plan
     * them (ReLUs fused, concats of convolutions through the 16-bit convolution's own tensor and a copy), at batch 2
     * with random He-scaled weights, against the float32 CPU: the code layer within {@code 12u} of its range.
     * ResNet-50's plan folds BatchNorm into its convolutions on the device with float32 kernels: refused in one line.
     * On host CUDA (01:50 UTC): SqueezeNet v1.1 1.93e-02 (bf16) and 2.69e-03 (fp16), GoogLeNet 7.97e-03 and 1.65e-03.
     */
    @ParameterizedTest
    @CsvSource({"squeezenet_v1.1, fire9/concat, BF16", "squeezenet_v1.1, fire9/concat, FP16",
        "googlenet, pool5/7x7_s1, BF16", "googlenet, pool5/7x7_s1, FP16", "vgg16, relu7, BF16", "vgg16, relu7, FP16",
        "resnet50, pool5, BF16"})
    void zooNetsPlannedInSixteenBits(String name, String code, Precision precision) {
        Assumptions.assumeTrue(fullSize() || !name.equals("vgg16"), name + " is left to the GPU");
        Path prototxt = name.equals("googlenet")
                ? NetParityContract.shared().resolve("models/caffe/bvlc_googlenet/deploy.prototxt")
                : Path.of("../bench/models", name, "deploy.prototxt");
        Assumptions.assumeTrue(Files.isRegularFile(prototxt), prototxt + " not found (set cortado.shared)");
        GpuBackend gpu = backends.computeIfAbsent(precision, this::open);
        org.cortado.net.NetDefinition def = org.cortado.net.NetDefinition.read(prototxt).normalized(Phase.TEST)
                .truncatedAfter(code, false);
        Net onCpu = Net.build(def, Phase.TEST, CPU);
        Net onGpu = Net.build(def, Phase.TEST, gpu);
        String input = onCpu.inputNames().get(0);
        int[] dims = onCpu.inputShape(input).dims();
        dims[0] = 2;
        onCpu.setInputShape(input, org.cortado.tensor.Shape.of(dims));
        onGpu.setInputShape(input, org.cortado.tensor.Shape.of(dims));
        java.util.SplittableRandom r = new java.util.SplittableRandom(name.hashCode());
        for (int l = 0; l < onCpu.layers().size(); l++) {
            List<Param> cpuParams = onCpu.layers().get(l).params();
            for (int i = 0; i < cpuParams.size(); i++) {
                org.cortado.tensor.Shape s = cpuParams.get(i).shape();
                float[] v = new float[s.count()];
                double std = s.rank() > 1 ? Math.sqrt(2.0 / s.countFrom(1)) : 0.1;
                for (int j = 0; j < v.length; j++) {
                    v[j] = (float) (r.nextGaussian() * std);
                }
                Tensor host = Tensor.wrap(s, v);
                cpuParams.get(i).setData(host);
                onGpu.layers().get(l).params().get(i).setData(gpu.upload(host));
            }
        }
        org.cortado.net.InferenceRequest request = org.cortado.net.InferenceRequest.layerOutputs(List.of(code));
        onCpu.planInference(request);
        Tensor in = NetParityContract.randomInput(onCpu.inputShape(input), 5);
        if (name.equals("resnet50")) {
            UnsupportedOperationException e = org.junit.jupiter.api.Assertions.assertThrows(
                    UnsupportedOperationException.class, () -> {
                        onGpu.planInference(request);
                        onGpu.forward(Map.of(input, gpu.upload(in)));
                    });
            assertTrue(e.getMessage().contains("reached an operation that has only a float32 kernel"), e.getMessage());
            return;
        }
        onGpu.planInference(request);
        onCpu.forward(Map.of(input, in));
        onGpu.forward(Map.of(input, gpu.upload(in)));
        float[] want = onCpu.output(code).hostData();
        float err = maxDiff(want, gpu.download(onGpu.output(code)).hostData()) / OpParity.maxAbs(want, want.length);
        System.out.printf("%s %s in %s: max |16-bit - fp32| / max |fp32| = %.2e%n", name, code, precision.typeName(),
                err);
        assertTrue(err <= 12 * HalfPrecisionOpsContract.unit(precision) && err > 0, name + ": relative error " + err);
    }

    private static float maxDiff(float[] a, float[] b) {
        float d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
