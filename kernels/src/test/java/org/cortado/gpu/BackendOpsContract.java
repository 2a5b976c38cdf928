package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.cortado.backend.ConvGeometry;
import org.cortado.backend.LrnParams;
import org.cortado.backend.PoolGeometry;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.image.PixelBatch;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every operation of the GPU backend against the CPU oracle, forward and backward, written once: {@link GpuOpsTest}
 * runs it on a GPU, {@link EmulatedOpsTest} on the emulated device (the same kernel sources on the CPU).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BackendOpsContract {
    /** Relative tolerance of TF32/BF16 products: inputs keep 10 (TF32) or 7 (BF16) mantissa bits. */
    private static final float TF32_EPS = 5e-3f;
    private static final float BF16_EPS = 3e-2f;
    /** Absolute slack for those modes: sums of k products of values in [-1, 1). */
    private static final float REDUCED_TOL = 5e-2f;

    private static final CpuBackend CPU = new CpuBackend(2);
    private final Map<ConvImpl, GpuBackend> backends = new EnumMap<>(ConvImpl.class);

    /** A backend of the kind under test, or an aborted test when it cannot run this configuration here. */
    abstract GpuBackend open(ConvImpl conv, MathMode math);

    /** Whether the backend can capture CUDA graphs. */
    abstract boolean graphs();

    private GpuBackend backend(ConvImpl conv) {
        return backends.computeIfAbsent(conv, c -> open(c, MathMode.FP32));
    }

    private OpParity parity(ConvImpl conv) {
        return new OpParity(CPU, backend(conv));
    }

    private OpParity parity() {
        return parity(ConvImpl.IM2COL_GEMM);
    }

    @AfterAll
    void close() {
        backends.values().forEach(GpuBackend::close);
        backends.clear();
    }

    // ---- linear algebra ----------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"NN", "NT", "TN", "TT"})
    void gemmAllTransposesWithOffsets(String t) {
        boolean ta = t.charAt(0) == 'T';
        boolean tb = t.charAt(1) == 'T';
        int m = 37;
        int n = 29;
        int k = 131;
        parity().op("gemm " + t).in("a", 3 + m * k).in("b", 5 + k * n).in("c", 7 + m * n)
                .check((b, x) -> b.gemm(ta, tb, m, n, k, 0.75f, x.get("a"), 3, x.get("b"), 5, 0.5f, x.get("c"), 7));
    }

    @ParameterizedTest
    @EnumSource(MathMode.class)
    void gemmMathModes(MathMode math) {
        GpuBackend b = open(ConvImpl.IM2COL_GEMM, math);
        try {
            float eps = math == MathMode.FP32 ? OpParity.EPS : math == MathMode.TF32 ? TF32_EPS : BF16_EPS;
            float tol = math == MathMode.FP32 ? OpParity.TOL : REDUCED_TOL;
            new OpParity(CPU, b).op("gemm " + math).in("a", 64 * 256).in("b", 256 * 96).in("c", 64 * 96)
                    .tolerance(tol, eps)
                    .check((be, x) -> be.gemm(false, true, 64, 96, 256, 1f, x.get("a"), 0, x.get("b"), 0, 0f,
                            x.get("c"), 0));
        } finally {
            b.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = MathMode.class, names = {"TF32", "BF16"})
    void convolutionForwardInReducedPrecision(MathMode math) {
        GpuBackend b = open(ConvImpl.CUDNN, math);
        try {
            ConvGeometry g = new ConvGeometry(4, 64, 27, 27, 96, 5, 5, 1, 1, 2, 2, 1, 1, 2);
            float eps = math == MathMode.TF32 ? TF32_EPS : BF16_EPS;
            // The whole output, and (fused with a ReLU) channels 4..100 of a wider one, a concat's slice: in BF16
            // through a tensor of its own and a copy, in TF32 through the strided output descriptor.
            reducedPrecisionInputs(new OpParity(CPU, b).op("conv forward " + math), math).in("y", 4, 96, 27, 27)
                    .tolerance(REDUCED_TOL, eps)
                    .check((be, t) -> be.convolutionForward(g, t.get("x"), t.get("w"), t.get("b"), t.get("y")));
            reducedPrecisionInputs(new OpParity(CPU, b).op("conv forward into a window " + math), math)
                    .in("y", 4, 101, 27, 27).tolerance(REDUCED_TOL, eps)
                    .check((be, t) -> be.convolutionForwardInto(g, t.get("x"), t.get("w"), t.get("b"), true,
                            t.get("y"), 4));
        } finally {
            b.close();
        }
    }

    /** Input, weights and bias of {@link #convolutionForwardInReducedPrecision}'s layer. */
    private static OpParity.Case reducedPrecisionInputs(OpParity.Case c, MathMode math) {
        if (math == MathMode.BF16) {
            // Inputs that bfloat16 holds exactly: the mode rounds x and w (7 mantissa bits), and over this layer's
            // 800 products per output that rounding alone puts ~50 of 279,936 outputs beyond the tolerance
            // (measured on the host-CUDA device; a GPU does the same). The rounding itself is checked by
            // bfloat16RoundingIsNearestEven; here the bfloat16 convolution is.
            c.with("x", Shape.of(4, 64, 27, 27), bf16Values(4 * 64 * 27 * 27, 21))
                    .with("w", Shape.of(96, 32, 5, 5), bf16Values(96 * 32 * 5 * 5, 22));
        } else {
            c.in("x", 4, 64, 27, 27).in("w", 96, 32, 5, 5);
        }
        return c.in("b", 96);
    }

    @Test
    void bfloat16RoundingIsNearestEven() {
        float[] v = {1f, -1f, 1.00390625f, 1.01171875f, 1.0078125f, 3.4028235e38f, Float.NaN, Float.POSITIVE_INFINITY,
            -0f, 1e-40f, 0.1f, -123.456f, 65504f, 1.9999999f};
        float[] want = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            want[i] = bf16(v[i]);
        }
        GpuBackend g = backend(ConvImpl.IM2COL_GEMM);
        Shape s = Shape.of(v.length);
        Tensor out = g.allocate(s);
        g.roundTripBf16(g.upload(Tensor.wrap(s, v)), out);
        assertEquals(null, OpParity.compare("bf16(x)", s, want, g.download(out).hostData(), 0f, 0f));
    }

    @Test
    void axpbyMultiplyCopyFill() {
        parity().op("axpby").in("x", 1001).in("y", 1001).check((b, x) -> b.axpby(1.5f, x.get("x"), -0.25f, x.get("y")));
        parity().op("multiply").in("a", 3, 333).in("b", 999).in("o", 999)
                .check((b, x) -> b.multiply(x.get("a"), x.get("b"), x.get("o")));
        parity().op("copy").in("s", 4, 5).in("d", 20).check((b, x) -> b.copy(x.get("s"), x.get("d")));
        parity().op("fill").in("t", 77).check((b, x) -> b.fill(x.get("t"), -3.5f));
    }

    @Test
    void sumOfSquares() {
        GpuBackend g = backend(ConvImpl.IM2COL_GEMM);
        float[] v = new float[1_234_567];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.sin(i);
        }
        Tensor host = Tensor.wrap(Shape.of(v.length), v);
        double want = CPU.sumOfSquares(host);
        assertEquals(want, g.sumOfSquares(g.upload(host)), Math.abs(want) * 1e-9);
    }

    // ---- convolution -------------------------------------------------------------------------------------------

    /** Shapes from real layers, shrunk: AlexNet conv1 (stride 4), a grouped padded conv, SqueezeNet 1x1s. */
    private static final List<ConvGeometry> CONVS = List.of(
            new ConvGeometry(2, 3, 35, 35, 8, 11, 11, 4, 4, 0, 0, 1, 1, 1),
            new ConvGeometry(3, 8, 9, 11, 12, 5, 5, 1, 1, 2, 2, 1, 1, 2),
            new ConvGeometry(2, 16, 7, 7, 10, 1, 1, 1, 1, 0, 0, 1, 1, 1),
            new ConvGeometry(2, 6, 6, 5, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1),
            new ConvGeometry(1, 4, 12, 12, 6, 3, 3, 2, 1, 1, 2, 2, 2, 1));

    @ParameterizedTest
    @EnumSource(ConvImpl.class)
    void convolutionForwardAndBackward(ConvImpl impl) {
        for (ConvGeometry g : CONVS) {
            int[] x = {g.batch(), g.inChannels(), g.inH(), g.inW()};
            int[] w = {g.outChannels(), g.inChannelsPerGroup(), g.kernelH(), g.kernelW()};
            int[] y = {g.batch(), g.outChannels(), g.outH(), g.outW()};
            parity(impl).op("conv forward " + impl + " " + g).in("x", x).in("w", w).in("b", g.outChannels()).in("y", y)
                    .check((b, t) -> b.convolutionForward(g, t.get("x"), t.get("w"), t.get("b"), t.get("y")));
            parity(impl).op("conv forward fused with ReLU " + impl + " " + g).in("x", x).in("w", w)
                    .in("b", g.outChannels()).in("y", y)
                    .check((b, t) -> b.convolutionReluForward(g, t.get("x"), t.get("w"), t.get("b"), t.get("y")));
            int[] wide = {g.batch(), g.outChannels() + 5, g.outH(), g.outW()};
            for (boolean relu : new boolean[] {false, true}) {
                parity(impl).op("conv forward into channels 2.. of " + wide[1] + (relu ? " with ReLU " : " ") + impl
                        + " " + g).in("x", x).in("w", w).in("b", g.outChannels()).in("y", wide)
                        .check((b, t) -> b.convolutionForwardInto(g, t.get("x"), t.get("w"), t.get("b"), relu,
                                t.get("y"), 2));
            }
            parity(impl).op("conv backward data " + impl + " " + g).in("w", w).in("dy", y).in("dx", x)
                    .check((b, t) -> b.convolutionBackwardData(g, t.get("w"), t.get("dy"), t.get("dx")));
            parity(impl).op("conv backward filter " + impl + " " + g).in("x", x).in("dy", y).in("dw", w)
                    .in("db", g.outChannels())
                    .check((b, t) -> b.convolutionBackwardFilter(g, t.get("x"), t.get("dy"), t.get("dw"), t.get("db")));
        }
    }

    /**
     * The fused convolution and ReLU is, on the device itself, the convolution and then the ReLU to the bit, with and
     * without a bias, and so is the same written into a concat's slice: a net that fuses gives what the layers one by
     * one give.
     */
    @ParameterizedTest
    @EnumSource(ConvImpl.class)
    void convolutionFusedWithReluIsTheTwoCallsToTheBit(ConvImpl impl) {
        GpuBackend gpu = backend(impl);
        ConvGeometry g = CONVS.get(1);
        Tensor x = gpu.upload(randomTensor(7, g.batch(), g.inChannels(), g.inH(), g.inW()));
        Tensor w = gpu.upload(randomTensor(8, g.outChannels(), g.inChannelsPerGroup(), g.kernelH(), g.kernelW()));
        Tensor bias = gpu.upload(randomTensor(9, g.outChannels()));
        Shape y = Shape.of(g.batch(), g.outChannels(), g.outH(), g.outW());
        int plane = g.outH() * g.outW();
        Shape wide = Shape.of(g.batch(), g.outChannels() + 3, g.outH(), g.outW());
        for (Tensor b : new Tensor[] {bias, null}) {
            Tensor twoCalls = gpu.allocate(y);
            gpu.convolutionForward(g, x, w, b, twoCalls);
            gpu.reluForward(twoCalls, twoCalls, 0f);
            Tensor fused = gpu.allocate(y);
            gpu.convolutionReluForward(g, x, w, b, fused);
            // The same into channels 1.. of a wider tensor (a concat's slice), then copied out of it.
            Tensor window = gpu.allocate(wide);
            gpu.convolutionForwardInto(g, x, w, b, true, window, 1);
            Tensor fromWindow = gpu.allocate(y);
            int block = g.outChannels() * plane;
            gpu.copyBlocks(window, plane, wide.dim(1) * plane, fromWindow, 0, block, block, g.batch(), false);
            float[] want = gpu.download(twoCalls).hostData();
            float[] got = gpu.download(fused).hostData();
            float[] gotWindow = gpu.download(fromWindow).hostData();
            for (int i = 0; i < want.length; i++) {
                assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                        impl + (b == null ? " without" : " with") + " bias, element " + i + ": fused " + got[i]
                                + ", two calls " + want[i]);
                assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(gotWindow[i]),
                        impl + (b == null ? " without" : " with") + " bias, element " + i + ": into a window "
                                + gotWindow[i] + ", two calls " + want[i]);
            }
        }
    }

    private static Tensor randomTensor(long seed, int... dims) {
        Shape s = Shape.of(dims);
        return Tensor.wrap(s, random(s.count(), seed));
    }

    @Test
    void biasForwardAndBackward() {
        parity().op("add bias").in("d", 3, 5, 7).in("b", 5).check((b, t) -> b.addBias(t.get("d"), t.get("b"), 3, 5, 7));
        parity().op("bias backward").in("dy", 4, 6, 1000).in("db", 6)
                .check((b, t) -> b.biasBackward(t.get("dy"), t.get("db"), 4, 6, 1000));
        // Channels of 5 x 10,000 values, split over 4 blocks each, whose shares end inside rows; and of 3,000 rows of 7,
        // where a thread's step of 256 crosses many rows.
        assertEquals(4, GpuReductions.biasSplits(5, 3, 10_000));
        parity().op("bias backward, channels split over blocks").in("dy", 5, 3, 10_000).in("db", 3)
                .check((b, t) -> b.biasBackward(t.get("dy"), t.get("db"), 5, 3, 10_000));
        assertEquals(2, GpuReductions.biasSplits(3_000, 2, 7));
        parity().op("bias backward, split, short rows").in("dy", 3_000, 2, 7).in("db", 2)
                .check((b, t) -> b.biasBackward(t.get("dy"), t.get("db"), 3_000, 2, 7));
    }

    // ---- activations -------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(floats = {0f, 0.1f})
    void relu(float slope) {
        parity().op("relu forward " + slope).in("x", 2, 3, 17).in("y", 102)
                .check((b, t) -> b.reluForward(t.get("x"), t.get("y"), slope));
        parity().op("relu backward " + slope).in("x", 102).in("dy", 102).in("dx", 102)
                .check((b, t) -> b.reluBackward(t.get("x"), t.get("dy"), t.get("dx"), slope));
        // In place, as a net runs Caffe's in-place ReLUs (Net.topDiff).
        parity().op("relu backward in place " + slope).in("x", 102).in("dy", 102)
                .check((b, t) -> b.reluBackward(t.get("x"), t.get("dy"), t.get("dy"), slope));
    }

    @Test
    void sigmoidAndTanh() {
        parity().op("sigmoid forward").in("x", -8f, 8f, 513).in("y", 513)
                .check((b, t) -> b.sigmoidForward(t.get("x"), t.get("y")));
        parity().op("sigmoid backward").in("y", 0f, 1f, 513).in("dy", 513).in("dx", 513)
                .check((b, t) -> b.sigmoidBackward(t.get("y"), t.get("dy"), t.get("dx")));
        parity().op("tanh forward").in("x", -4f, 4f, 513).in("y", 513)
                .check((b, t) -> b.tanhForward(t.get("x"), t.get("y")));
        parity().op("tanh backward").in("y", 513).in("dy", 513).in("dx", 513)
                .check((b, t) -> b.tanhBackward(t.get("y"), t.get("dy"), t.get("dx")));
    }

    // ---- pooling -----------------------------------------------------------------------------------------------

    /** Caffe's pooled size: rounded up, minus a last window that would start in the padding. */
    static PoolGeometry pool(int n, int c, int h, int w, int k, int s, int p) {
        int oh = (int) Math.ceil((double) (h + 2 * p - k) / s) + 1;
        int ow = (int) Math.ceil((double) (w + 2 * p - k) / s) + 1;
        if (p > 0) {
            oh -= (oh - 1) * s >= h + p ? 1 : 0;
            ow -= (ow - 1) * s >= w + p ? 1 : 0;
        }
        return new PoolGeometry(n, c, h, w, k, k, s, s, p, p, oh, ow);
    }

    static final List<PoolGeometry> POOLS = List.of(pool(2, 3, 13, 13, 3, 2, 0), pool(2, 2, 14, 11, 3, 2, 1),
            pool(1, 4, 7, 7, 2, 2, 0), pool(2, 2, 6, 6, 6, 1, 0), pool(1, 3, 9, 10, 5, 3, 2));

    @Test
    void maxPoolForwardAndBackward() {
        for (PoolGeometry g : POOLS) {
            int[] in = {g.batch(), g.channels(), g.inH(), g.inW()};
            int[] out = {g.batch(), g.channels(), g.outH(), g.outW()};
            parity().op("max pool forward " + g).in("x", in).in("y", out).in("mask", out)
                    .check((b, t) -> b.maxPoolForward(g, t.get("x"), t.get("y"), t.get("mask")));
            // A mask as the forward pass makes it, from the CPU, so that backward sees valid indices.
            Tensor x = Tensor.wrap(Shape.of(in), random(Shape.of(in).count(), 11));
            Tensor y = Tensor.zeros(Shape.of(out));
            Tensor mask = Tensor.zeros(Shape.of(out));
            CPU.maxPoolForward(g, x, y, mask);
            parity().op("max pool backward " + g).with("mask", mask.shape(), mask.hostData()).in("dy", out)
                    .in("dx", in).check((b, t) -> b.maxPoolBackward(g, t.get("dy"), t.get("mask"), t.get("dx")));
        }
    }

    @Test
    void avePoolForwardAndBackward() {
        for (PoolGeometry g : POOLS) {
            int[] in = {g.batch(), g.channels(), g.inH(), g.inW()};
            int[] out = {g.batch(), g.channels(), g.outH(), g.outW()};
            parity().op("ave pool forward " + g).in("x", in).in("y", out)
                    .check((b, t) -> b.avePoolForward(g, t.get("x"), t.get("y")));
            parity().op("ave pool backward " + g).in("dy", out).in("dx", in)
                    .check((b, t) -> b.avePoolBackward(g, t.get("dy"), t.get("dx")));
        }
    }

    // ---- normalisation -----------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void lrnForwardAndBackward(boolean across) {
        LrnParams p = new LrnParams(across, across ? 5 : 3, 1e-4f * 1000, 0.75f, 2f);
        int[] s = {2, 7, 6, 5};
        parity().op("lrn forward " + p).in("x", s).in("y", s).in("scale", s)
                .check((b, t) -> b.lrnForward(p, t.get("x"), t.get("y"), t.get("scale")));
        parity().op("lrn backward " + p).in("x", s).in("y", s).in("scale", 1f, 2f, s).in("dy", s).in("dx", s)
                .check((b, t) -> b.lrnBackward(p, t.get("x"), t.get("y"), t.get("scale"), t.get("dy"), t.get("dx")));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 9})
    void softmaxForwardAndBackward(int inner) {
        int outer = 3;
        int channels = inner == 1 ? 1000 : 21;
        int[] s = {outer, channels, inner};
        parity().op("softmax forward inner " + inner).in("x", -5f, 5f, s).in("y", s)
                .check((b, t) -> b.softmaxForward(t.get("x"), t.get("y"), outer, channels, inner));
        parity().op("softmax backward inner " + inner).in("y", 0f, 1f, s).in("dy", s).in("dx", s)
                .check((b, t) -> b.softmaxBackward(t.get("y"), t.get("dy"), t.get("dx"), outer, channels, inner));
    }

    @Test
    void channelAffine() {
        parity().op("channel affine").in("x", 2, 4, 9).in("s", 4).in("b", 4).in("y", 2, 4, 9)
                .check((b, t) -> b.channelAffine(t.get("x"), t.get("s"), t.get("b"), t.get("y"), 2, 4, 9));
        parity().op("channel affine without bias").in("x", 2, 4, 9).in("s", 4).in("y", 2, 4, 9)
                .check((b, t) -> b.channelAffine(t.get("x"), t.get("s"), null, t.get("y"), 2, 4, 9));
    }

    // ---- data movement -----------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void copyBlocks(boolean accumulate) {
        // Concat of a (2, 3, 4) input into channels 5..7 of a (2, 9, 4) output, as Concat's forward does.
        parity().op("copy blocks " + accumulate).in("src", 2, 3, 4).in("dst", 2, 9, 4)
                .check((b, t) -> b.copyBlocks(t.get("src"), 0, 12, t.get("dst"), 20, 36, 12, 2, accumulate));
    }

    @Test
    void eltwiseMax() {
        parity().op("eltwise max forward").in("a", 300).in("b", 300).in("c", 300).in("y", 300).in("mask", 300)
                .check((b, t) -> b.eltwiseMaxForward(List.of(t.get("a"), t.get("b"), t.get("c")), t.get("y"),
                        t.get("mask")));
        float[] mask = new float[300];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = i % 3;
        }
        parity().op("eltwise max backward").with("mask", Shape.of(300), mask).in("dy", 300).in("dx", 300)
                .check((b, t) -> b.eltwiseMaxBackward(t.get("dy"), t.get("mask"), 1, t.get("dx")));
    }

    /**
     * The input transform on the device equals the host's bit for bit: each mean mode, mirrored and plain crops,
     * images of different sizes at odd byte offsets; the mean image twice (the second time from the device's copy).
     */
    @Test
    void transformPixelsEqualsTheHostTransform() {
        GpuBackend g = backend(ConvImpl.IM2COL_GEMM);
        int[][] sizes = {{7, 9}, {8, 8}, {11, 6}};
        java.util.SplittableRandom r = new java.util.SplittableRandom(11);
        float[] meanImage = random(3 * 8 * 8, 12);
        for (int i = 0; i < meanImage.length; i++) {
            meanImage[i] = 100 + 30 * meanImage[i];
        }
        float[][] meanValues = {{}, {117f}, {104f, 117f, 123f}};
        for (int variant = 0; variant < 5; variant++) {
            boolean useImage = variant >= 3;
            int bytes = 1;
            int[] layout = new int[sizes.length * PixelBatch.LAYOUT_INTS];
            for (int i = 0; i < sizes.length; i++) {
                int h = useImage ? 8 : sizes[i][0];
                int w = useImage ? 8 : sizes[i][1];
                int[] l = {bytes, h, w, r.nextInt(h - 5 + 1), r.nextInt(w - 5 + 1), (i + variant) % 2};
                System.arraycopy(l, 0, layout, i * PixelBatch.LAYOUT_INTS, l.length);
                bytes += h * w * 3 + 1;
            }
            byte[] pixels = new byte[bytes];
            r.nextBytes(pixels);
            PixelBatch p = new PixelBatch(pixels, layout, 5, 5, useImage ? new float[0] : meanValues[variant],
                    useImage ? meanImage : null, variant == 1 ? 0.017f : 1f);
            Tensor want = Tensor.zeros(p.outputShape());
            CPU.transformPixels(p, want);
            Tensor got = g.allocate(p.outputShape());
            g.transformPixels(p, got);
            assertArrayEquals(want.hostData(), g.download(got).hostData(), 0f, "variant " + variant);
        }
        PixelBatch one = new PixelBatch(new byte[3 * 4 * 4], new int[] {0, 4, 4, 0, 0, 0}, 2, 2, new float[0], null, 1f);
        String wrongSize = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> g.transformPixels(one, g.allocate(Shape.of(1, 3, 3, 3)))).getMessage();
        assertTrue(wrongSize.contains("(1, 3, 3, 3)") && wrongSize.contains("(1, 3, 2, 2)"), wrongSize);
    }

    @Test
    void capturedGraphReplaysTheWorkAsQueued() {
        Assumptions.assumeTrue(graphs(), "this backend cannot capture CUDA graphs");
        GpuBackend g = backend(ConvImpl.IM2COL_GEMM);
        Shape s = Shape.of(4, 1000);
        Tensor x = Tensor.wrap(s, random(s.count(), 3));
        Tensor wantY = Tensor.zeros(s);
        Tensor wantZ = Tensor.wrap(s, random(s.count(), 4));
        Tensor gx = g.upload(x);
        Tensor gy = g.allocate(s);
        Tensor gz = g.upload(wantZ);
        try (GpuGraph graph = g.capture(() -> {
            g.reluForward(gx, gy, 0.1f);
            g.axpby(2f, gy, 0.5f, gz);
            g.softmaxForward(gz, gy, 4, 1000, 1);
        })) {
            // Replayed twice: z = 2 relu(x) + 0.5 z twice over, y = softmax(z) of the second z.
            for (int rep = 0; rep < 2; rep++) {
                graph.launch();
                CPU.reluForward(x, wantY, 0.1f);
                CPU.axpby(2f, wantY, 0.5f, wantZ);
                CPU.softmaxForward(wantZ, wantY, 4, 1000, 1);
            }
        }
        String z = OpParity.compare("z", s, wantZ.hostData(), g.download(gz).hostData(), OpParity.TOL, OpParity.EPS);
        String y = OpParity.compare("y", s, wantY.hostData(), g.download(gy).hostData(), OpParity.TOL, OpParity.EPS);
        assertEquals(null, z == null ? y : z);
    }

    @Test
    void aCaptureThatWaitsFailsWithItsCauseAndLeavesTheStreamUsable() {
        Assumptions.assumeTrue(graphs(), "this backend cannot capture CUDA graphs");
        GpuBackend g = backend(ConvImpl.IM2COL_GEMM);
        float[] v = {1f, 2f, 3f, 4f};
        Tensor x = g.upload(Tensor.wrap(Shape.of(4), v));
        // A download synchronises the stream, which a capture cannot hold: the driver says so, and that is the error.
        jcuda.CudaException e = assertThrows(jcuda.CudaException.class, () -> g.capture(() -> g.download(x)));
        assertTrue(e.getMessage().contains("CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED"), e::toString);
        assertArrayEquals(v, g.download(x).hostData());
    }

    @Test
    void anUploadCannotBeCaptured() {
        Assumptions.assumeTrue(graphs(), "this backend cannot capture CUDA graphs");
        GpuBackend g = backend(ConvImpl.IM2COL_GEMM);
        float[] v = {5f, 6f, 7f};
        Tensor host = Tensor.wrap(Shape.of(3), v);
        // A captured copy would read its pinned staging buffer at every replay, after later uploads refilled it.
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> g.capture(() -> g.upload(host)));
        assertTrue(e.getMessage().contains("upload"), e::toString);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(v, g.download(g.upload(host)).hostData());
        }
    }

    /** {@code v} rounded to bfloat16, nearest even (NaN stays a quiet NaN), as a float. */
    private static float bf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return Float.intBitsToFloat((bits & 0xffff0000) | 0x00400000);
        }
        bits += 0x7fff + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xffff0000);
    }

    /** Uniform values in [-1, 1) rounded to bfloat16. */
    private static float[] bf16Values(int n, long seed) {
        float[] v = random(n, seed);
        for (int i = 0; i < n; i++) {
            v[i] = bf16(v[i]);
        }
        return v;
    }

    private static float[] random(int n, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextDouble(-1, 1);
        }
        return v;
    }
}
