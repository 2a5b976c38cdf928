package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.cortado.backend.ConvGeometry;
import org.cortado.backend.LrnParams;
import org.cortado.backend.PoolGeometry;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The inference operations on 16-bit storage ({@link Precision#BF16}, {@link Precision#FP16}) against the float32 CPU
 * oracle, each on inputs that the format holds exactly (so that the CPU sees the values the device stores), with a
 * tolerance derived from the format's unit roundoff {@code u} (bfloat16 2^-8, half 2^-11: 8 and 11 bits of
 * significand): ops whose outputs are inputs (ReLU, MAX pooling, Concat's copy) must match exactly; ops computed in
 * float32 and rounded once at the store within {@code u |want|}; convolutions and GEMMs (float accumulation, output
 * rounded once; the bias added after, rounded again) within {@code 2u} of the output's range. {@link
 * HostCudaHalfPrecisionOpsTest} runs it on the host-CUDA device, {@link GpuHalfPrecisionOpsTest} on a GPU.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class HalfPrecisionOpsContract {
    private static final CpuBackend CPU = new CpuBackend(2);
    private final Map<Precision, GpuBackend> backends = new EnumMap<>(Precision.class);

    /** A cuDNN backend storing its tensors in {@code precision}, or an aborted test where there is none. */
    abstract GpuBackend open(Precision precision);

    GpuBackend backend(Precision p) {
        return backends.computeIfAbsent(p, this::open);
    }

    @AfterAll
    void close() {
        backends.values().forEach(GpuBackend::close);
        backends.clear();
    }

    /** The unit roundoff: the largest relative error of rounding a normal value to nearest. */
    static float unit(Precision p) {
        return p == Precision.BF16 ? 0x1p-8f : 0x1p-11f;
    }

    // ---- storage --------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"BF16", "FP16"})
    void tensorsAreStoredInSixteenBits(Precision p) {
        GpuBackend b = backend(p);
        int n = 1 << 16;
        long before = b.memoryStats()[0];
        Tensor t = b.allocate(Shape.of(n));
        assertEquals(2L * n, b.memoryStats()[0] - before, "bytes held by a tensor of " + n + " elements");
        Tensor w = b.upload(Tensor.wrap(Shape.of(n), new float[n]));
        assertEquals(p, ((DeviceBuffer) t.buffer()).precision());
        assertEquals(p, ((DeviceBuffer) w.buffer()).precision());
    }

    @Test
    void uploadRoundsToNearestEvenBfloat16() {
        float[] v = {1f, -1f, 1.00390625f, 1.01171875f, 1.0078125f, 3.4028235e38f, Float.NaN, Float.POSITIVE_INFINITY,
            -0f, 1e-40f, 0.1f, -123.456f, 65504f, 1.9999999f};
        float[] want = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            want[i] = bf16(v[i]);
        }
        assertArrayEquals(want, roundTrip(Precision.BF16, v));
    }

    @Test
    void uploadRoundsToNearestEvenHalf() {
        // Ties to even at 1 + 2^-11 and 1 + 3 * 2^-11; 0.1's nearest half; the largest half and the first value that
        // rounds past it; a subnormal; a value below half the smallest subnormal; fill's path beside upload's.
        float[] v = {1f + 0x1p-11f, 1f + 3 * 0x1p-11f, 0.1f, 65504f, 65520f, 0x1p-20f, 0x1p-26f, -2.5f, Float.NaN};
        float[] want = {1f, 1f + 0x1p-9f, 0.0999755859375f, 65504f, Float.POSITIVE_INFINITY, 0x1p-20f, 0f, -2.5f,
            Float.NaN};
        assertArrayEquals(want, roundTrip(Precision.FP16, v));
        GpuBackend b = backend(Precision.FP16);
        Tensor t = b.allocate(Shape.of(3));
        b.fill(t, 0.1f);
        assertArrayEquals(new float[] {0.0999755859375f, 0.0999755859375f, 0.0999755859375f},
                b.download(t).hostData());
    }

    // ---- ops whose outputs are inputs: exact ----------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"BF16", "FP16"})
    void reluMaxPoolingAndConcatAreExact(Precision p) {
        check(p, "relu", 0f, 0f).in("x", 1031).in("y", 1031)
                .check((b, t) -> b.reluForward(t.get("x"), t.get("y"), 0f));
        for (PoolGeometry g : BackendOpsContract.POOLS) {
            check(p, "max pool " + g, 0f, 0f).in("x", g.batch(), g.channels(), g.inH(), g.inW())
                    .in("y", g.batch(), g.channels(), g.outH(), g.outW())
                    .check((b, t) -> b.maxPoolForward(g, t.get("x"), t.get("y"), null));
        }
        // A concat of two inputs on channels: the blocks of one image, at an offset into the top.
        check(p, "concat copy", 0f, 0f).in("a", 3, 5, 7).in("top", 3, 9, 7)
                .check((b, t) -> b.copyBlocks(t.get("a"), 0, 35, t.get("top"), 14, 63, 35, 3, false));
        check(p, "dropout at test", 0f, 0f).in("x", 77).in("y", 77).check((b, t) -> b.copy(t.get("x"), t.get("y")));
    }

    // ---- ops computed in float32 and rounded once: u |want| -------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"BF16", "FP16"})
    void poolingLrnSoftmaxAndBiasRoundOnce(Precision p) {
        float u = unit(p);
        for (PoolGeometry g : BackendOpsContract.POOLS) {
            check(p, "ave pool " + g, 1e-7f, u).in("x", g.batch(), g.channels(), g.inH(), g.inW())
                    .in("y", g.batch(), g.channels(), g.outH(), g.outW())
                    .check((b, t) -> b.avePoolForward(g, t.get("x"), t.get("y")));
        }
        for (boolean across : new boolean[] {true, false}) {
            LrnParams lrn = new LrnParams(across, across ? 5 : 3, 0.1f, 0.75f, 2f);
            // The scale is the layer's scratch for a backward pass, which 16-bit storage does not run: not compared.
            check(p, "lrn " + lrn, 1e-7f, u).in("x", 2, 7, 6, 5).in("y", 2, 7, 6, 5)
                    .check((b, t) -> b.lrnForward(lrn, t.get("x"), t.get("y"), b.allocate(Shape.of(2, 7, 6, 5))));
        }
        check(p, "softmax of class scores", 1e-7f, u).in("x", -8f, 8f, 4, 1000).in("y", 4, 1000)
                .check((b, t) -> b.softmaxForward(t.get("x"), t.get("y"), 4, 1000, 1));
        check(p, "spatial softmax", 1e-7f, u).in("x", 2, 5, 13).in("y", 2, 5, 13)
                .check((b, t) -> b.softmaxForward(t.get("x"), t.get("y"), 2, 5, 13));
        check(p, "inner product bias", 1e-7f, u).in("y", 3, 50).in("bias", 50)
                .check((b, t) -> b.addBias(t.get("y"), t.get("bias"), 3, 50, 1));
    }

    // ---- tensor cores: float accumulation of exact 16-bit products ------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"BF16", "FP16"})
    void innerProductGemmsAccumulateInFloat(Precision p) {
        float u = unit(p);
        // InnerProduct's forward (weights transposed), and the other transposes with offsets into the buffers (which
        // count 16-bit elements) and beta 0.5 (C read in 16 bits).
        int m = 6;
        int n = 40;
        int k = 300;
        check(p, "inner product", 0f, u).in("x", m, k).in("w", n, k).in("y", m, n)
                .rangeRelative(2 * u).check((b, t) -> b.gemm(false, true, m, n, k, 1f, t.get("x"), 0, t.get("w"), 0,
                        0f, t.get("y"), 0));
        for (String tr : new String[] {"NN", "TN", "TT"}) {
            boolean ta = tr.charAt(0) == 'T';
            boolean tb = tr.charAt(1) == 'T';
            check(p, "gemm " + tr, 0f, u).in("a", 3 + m * k).in("b", 5 + k * n).in("c", 7 + m * n)
                    .rangeRelative(2 * u).check((b, t) -> b.gemm(ta, tb, m, n, k, 0.75f, t.get("a"), 3, t.get("b"), 5,
                            0.5f, t.get("c"), 7));
        }
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"BF16", "FP16"})
    void convolutionsOnTensorCores(Precision p) {
        float u = unit(p);
        // AlexNet's conv2 (5x5, two groups) small, a 1x1 squeeze and a strided 3x3 with padding.
        ConvGeometry[] shapes = {new ConvGeometry(2, 16, 13, 13, 24, 5, 5, 1, 1, 2, 2, 1, 1, 2),
            new ConvGeometry(2, 32, 9, 9, 8, 1, 1, 1, 1, 0, 0, 1, 1, 1),
            new ConvGeometry(1, 3, 23, 23, 12, 3, 3, 2, 2, 1, 1, 1, 1, 1)};
        for (ConvGeometry g : shapes) {
            int[] x = {g.batch(), g.inChannels(), g.inH(), g.inW()};
            int[] w = {g.outChannels(), g.inChannelsPerGroup(), g.kernelH(), g.kernelW()};
            int[] y = {g.batch(), g.outChannels(), g.outH(), g.outW()};
            check(p, "conv " + g, 0f, 2 * u).in("x", x).in("w", w).in("b", g.outChannels()).in("y", y)
                    .rangeRelative(2 * u)
                    .check((b, t) -> b.convolutionForward(g, t.get("x"), t.get("w"), t.get("b"), t.get("y")));
            check(p, "conv + relu " + g, 0f, 2 * u).in("x", x).in("w", w).in("b", g.outChannels()).in("y", y)
                    .rangeRelative(2 * u)
                    .check((b, t) -> b.convolutionReluForward(g, t.get("x"), t.get("w"), t.get("b"), t.get("y")));
            int[] wide = {g.batch(), g.outChannels() + 5, g.outH(), g.outW()};
            check(p, "conv + relu into a concat's window " + g, 0f, 2 * u).in("x", x).in("w", w)
                    .in("b", g.outChannels()).in("y", wide).rangeRelative(2 * u)
                    .check((b, t) -> b.convolutionForwardInto(g, t.get("x"), t.get("w"), t.get("b"), true,
                            t.get("y"), 3));
        }
    }

    // ---- refusals ------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"BF16", "FP16"})
    void operationsWithoutASixteenBitPathSaySo(Precision p) {
        GpuBackend b = backend(p);
        Tensor x = b.allocate(Shape.of(8));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> b.reluBackward(x, x, b.allocate(Shape.of(8)), 0f));
        assertTrue(e.getMessage().contains("a " + p.typeName() + " tensor (8,) reached an operation that has only a"
                + " float32 kernel") && e.getMessage().contains("--precision " + p.name().toLowerCase()),
                e.getMessage());
        Shape pooled = Shape.of(2, 3, 6, 6);
        assertThrows(UnsupportedOperationException.class, () -> b.maxPoolForward(BackendOpsContract.POOLS.get(0),
                b.allocate(Shape.of(2, 3, 13, 13)), b.allocate(pooled), b.allocate(pooled)));
        IllegalArgumentException im2col = assertThrows(IllegalArgumentException.class,
                () -> PrecisionRouting.requireSupported(ConvImpl.IM2COL_GEMM, MathMode.FP32, p));
        assertEquals(p.typeName() + " storage needs cuDNN's convolutions, not ConvImpl.IM2COL_GEMM",
                im2col.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> PrecisionRouting.requireSupported(ConvImpl.CUDNN, MathMode.TF32, p));
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private float[] roundTrip(Precision p, float[] v) {
        GpuBackend b = backend(p);
        return b.download(b.upload(Tensor.wrap(Shape.of(v.length), v.clone()))).hostData();
    }

    /** An op on inputs the format holds exactly, compared within {@code tol + |want| * eps}. */
    private Exact check(Precision p, String op, float tol, float eps) {
        return new Exact(p, op + " in " + p.typeName(), tol, eps);
    }

    /** Named tensors of uniform values rounded to the format on the device, for {@link OpParity}. */
    private final class Exact {
        private final Precision precision;
        private final String name;
        private final float tol;
        private final float eps;
        private final SplittableRandom random;
        private final Map<String, float[]> values = new java.util.LinkedHashMap<>();
        private final Map<String, Shape> shapes = new java.util.LinkedHashMap<>();
        private float rangeEps;

        Exact(Precision precision, String name, float tol, float eps) {
            this.precision = precision;
            this.name = name;
            this.tol = tol;
            this.eps = eps;
            this.random = new SplittableRandom(name.hashCode());
        }

        Exact in(String tensor, int... dims) {
            return in(tensor, -1f, 1f, dims);
        }

        Exact in(String tensor, float lo, float hi, int... dims) {
            Shape s = Shape.of(dims);
            float[] v = new float[s.count()];
            for (int i = 0; i < v.length; i++) {
                v[i] = lo + (hi - lo) * (float) random.nextDouble();
            }
            shapes.put(tensor, s);
            values.put(tensor, roundTrip(precision, v));
            return this;
        }

        /** Adds {@code rangeEps} times the largest magnitude of the oracle's outputs to the absolute tolerance. */
        Exact rangeRelative(float rangeEps) {
            this.rangeEps = rangeEps;
            return this;
        }

        void check(java.util.function.BiConsumer<org.cortado.backend.Backend, Map<String, Tensor>> op) {
            Map<String, Tensor> want = new java.util.LinkedHashMap<>();
            Map<String, Tensor> got = new java.util.LinkedHashMap<>();
            GpuBackend gpu = backend(precision);
            for (String t : shapes.keySet()) {
                want.put(t, Tensor.wrap(shapes.get(t), values.get(t).clone()));
                got.put(t, gpu.upload(Tensor.wrap(shapes.get(t), values.get(t).clone())));
            }
            op.accept(CPU, want);
            op.accept(gpu, got);
            StringBuilder failures = new StringBuilder();
            for (String t : shapes.keySet()) {
                float[] w = want.get(t).hostData();
                float slack = tol + rangeEps * OpParity.maxAbs(w, w.length);
                String f = OpParity.compare(t, shapes.get(t), w, gpu.download(got.get(t)).hostData(), slack, eps);
                if (f != null) {
                    failures.append('\n').append(f);
                }
            }
            assertEquals("", failures.toString(), name + " on " + gpu.name() + " against the float32 CPU");
        }
    }

    static float bf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return Float.intBitsToFloat((bits & 0xffff0000) | 0x00400000);
        }
        bits += 0x7fff + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xffff0000);
    }
}
