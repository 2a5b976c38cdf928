package org.cortado.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.cortado.backend.ConvGeometry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Gemm} against EJML's double-precision product, for both micro-kernels, one and two threads, every transpose
 * case, offsets into larger buffers, and shapes at and around the blocking sizes (0, 1, odd, one past a tile or
 * block, the unpacked dot-product form and just past it).
 */
class GemmTest {
    /**
     * Allowed error per unit of {@code k * max|a| * max|b|}: float rounding of a sum of k products grows at most
     * linearly in k (about 2^-24 per term); 4x that leaves room for the order of summation.
     */
    static final double TOLERANCE_PER_TERM = 2.5e-7;
    /** Filler around C's window, which the product must leave alone. */
    static final float SENTINEL = -12345f;

    static Stream<Arguments> kernels() {
        List<Arguments> args = new ArrayList<>();
        for (String kernel : List.of("java", "vector")) {
            for (int threads : new int[] {1, 2}) {
                args.add(Arguments.of(kernel, threads));
            }
        }
        return args.stream();
    }

    static Gemm gemm(String kernel, int threads) {
        GemmKernel k;
        if (kernel.equals("java")) {
            k = new JavaGemmKernel();
        } else {
            assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                    "jdk.incubator.vector is not in this JVM (add --add-modules jdk.incubator.vector)");
            k = new VectorGemmKernel();
        }
        return new Gemm(new Parallel(threads), k);
    }

    /**
     * {m, n, k}: edge shapes and shapes around MR=8, NR=32 (16 without AVX-512), KC=256, KC_MAX=1024, MC=128,
     * NC=512, and IN_PLACE_MAX_ROWS=64 (B read in place, its last strip packed, over several K and N blocks:
     * {64, 1100, 300}, {64, 300, 1100}, {13, 37, 2100}; packed B over K blocks longer than KC and N blocks narrowed
     * for them: {65, 300, 1100}, {130, 45, 2100}).
     */
    static final int[][] SHAPES = {
        {0, 5, 3}, {5, 0, 3}, {4, 5, 0}, {1, 1, 1}, {1, 37, 513}, {2, 5, 7}, {3, 1, 9}, {8, 32, 256},
        {9, 33, 257}, {16, 64, 100}, {17, 65, 31}, {31, 17, 300}, {129, 70, 40}, {130, 45, 520},
        {3, 2100, 20}, {40, 2049, 3}, {64, 1100, 300}, {65, 1100, 300}, {13, 37, 2100}, {64, 300, 1100},
        {65, 300, 1100}, {130, 45, 2100},
    };

    @ParameterizedTest(name = "{0} kernel, {1} thread(s)")
    @MethodSource("kernels")
    void matchesEjmlForEveryShapeAndTranspose(String kernel, int threads) {
        Gemm g = gemm(kernel, threads);
        Random rnd = new Random(42);
        for (int[] s : SHAPES) {
            for (int t = 0; t < 4; t++) {
                check(g, rnd, t >= 2, (t & 1) == 1, s[0], s[1], s[2], 1f, 0f);
            }
        }
    }

    @ParameterizedTest(name = "{0} kernel, {1} thread(s)")
    @MethodSource("kernels")
    void alphaAndBetaScaleAsBlasDoes(String kernel, int threads) {
        Gemm g = gemm(kernel, threads);
        Random rnd = new Random(7);
        float[][] ab = {{0.5f, 1f}, {-2f, -0.75f}, {0f, 0.5f}, {1.5f, 0f}};
        for (float[] p : ab) {
            for (int t = 0; t < 4; t++) {
                check(g, rnd, t >= 2, (t & 1) == 1, 19, 41, 67, p[0], p[1]);
                check(g, rnd, t >= 2, (t & 1) == 1, 4, 9, 300, p[0], p[1]);
                check(g, rnd, t >= 2, (t & 1) == 1, 6, 3, 0, p[0], p[1]);
            }
        }
    }

    private static void check(Gemm g, Random rnd, boolean transA, boolean transB, int m, int n, int k,
                              float alpha, float beta) {
        int aOff = 3;
        int bOff = 5;
        int cOff = 7;
        float[] a = random(rnd, aOff + m * k + 2);
        float[] b = random(rnd, bOff + k * n + 2);
        float[] c = random(rnd, cOff + m * n + 4);
        for (int i = 0; i < cOff; i++) {
            c[i] = SENTINEL;
        }
        for (int i = cOff + m * n; i < c.length; i++) {
            c[i] = SENTINEL;
        }
        float[] c0 = c.clone();

        DMatrixRMaj opA = new DMatrixRMaj(m, k);
        DMatrixRMaj opB = new DMatrixRMaj(k, n);
        double maxA = 0;
        double maxB = 0;
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                double v = transA ? a[aOff + p * m + i] : a[aOff + i * k + p];
                opA.set(i, p, v);
                maxA = Math.max(maxA, Math.abs(v));
            }
        }
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                double v = transB ? b[bOff + j * k + p] : b[bOff + p * n + j];
                opB.set(p, j, v);
                maxB = Math.max(maxB, Math.abs(v));
            }
        }
        DMatrixRMaj ref = new DMatrixRMaj(m, n);
        CommonOps_DDRM.mult(opA, opB, ref);

        g.gemm(transA, transB, m, n, k, alpha, a, aOff, b, bOff, beta, c, cOff);

        String what = String.format("m=%d n=%d k=%d transA=%b transB=%b alpha=%s beta=%s", m, n, k, transA, transB,
                alpha, beta);
        double tol = TOLERANCE_PER_TERM * Math.max(1, k) * Math.max(1, Math.abs(alpha)) * (maxA * maxB + 1);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double expected = alpha * ref.get(i, j) + beta * c0[cOff + i * n + j];
                float got = c[cOff + i * n + j];
                if (!(Math.abs(got - expected) <= tol)) {
                    fail(what + ": C[" + i + "," + j + "] = " + got + ", expected " + expected + " (tolerance "
                            + tol + ")");
                }
            }
        }
        for (int i = 0; i < cOff; i++) {
            assertEquals(SENTINEL, c[i], what + ": wrote before C at " + i);
        }
        for (int i = cOff + m * n; i < c.length; i++) {
            assertEquals(SENTINEL, c[i], what + ": wrote past C at " + i);
        }
    }

    /**
     * A product whose columns are scattered ({@link ShiftedRows}) cannot accumulate onto C, nor run with k = 0 (its
     * block buffer would be handed on unwritten): both are refused, saying so, instead of writing garbage.
     */
    @Test
    void scatteredProductsRefuseAccumulationAndAnEmptyK() {
        Gemm g = gemm("java", 1);
        ConvGeometry geometry = new ConvGeometry(1, 2, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        ShiftedRows rows = ShiftedRows.of(geometry, new float[50], 0, 0, new float[][] {new float[0]});
        float[] c = new float[3 * 25];
        Gemm.PackedA weights = g.pack(false, 3, 18, 1f, new float[54], 0, new float[g.packedSize(3, 18)], false);
        IllegalArgumentException accumulate = assertThrows(IllegalArgumentException.class,
                () -> g.gemmAccumulate(weights, rows, rows.columns(), c, 0, false));
        assertTrue(accumulate.getMessage().contains("scatter"), accumulate.getMessage());
        Gemm.PackedA empty = new Gemm.PackedA(3, 0, 8, new float[0]);
        IllegalArgumentException emptyK = assertThrows(IllegalArgumentException.class,
                () -> g.gemmWithRowInit(empty, rows, rows.columns(), null, 0, c, 0, false, false));
        assertTrue(emptyK.getMessage().contains("k > 0"), emptyK.getMessage());
    }

    /**
     * {@link Gemm#packRuns}: every packed element is A's element by the runs' definition, zero in the gaps between
     * runs and in the last strip's rows past m, whatever the buffer held before; with runs as long as their stride
     * it is the plain packing of a row-major A. Shapes: a run longer than {@link Gemm#PACK_BLOCK} and a short one,
     * a last run cut short by k, rows spaced wider than their runs (a convolution's output planes), m below, at and
     * past a strip.
     */
    @ParameterizedTest(name = "{0} kernel, {1} thread(s)")
    @MethodSource("kernels")
    void packRunsPacksTheRunsWithZeroGaps(String kernel, int threads) {
        Gemm g = gemm(kernel, threads);
        Random rnd = new Random(3);
        // {m, k, run, stride, lda}
        int[][] shapes = {{1, 10, 3, 4, 12}, {8, 300, 150, 160, 330}, {13, 1000, 111, 114, 1200},
            {17, 259, 7, 9, 300}, {9, 3000, 3000, 3000, 3000}, {5, 64, 64, 64, 70}};
        for (int[] sh : shapes) {
            int m = sh[0];
            int k = sh[1];
            int run = sh[2];
            int stride = sh[3];
            int lda = sh[4];
            int aOff = 4;
            float alpha = -1.5f;
            float[] a = random(rnd, aOff + m * lda);
            float[] buffer = new float[g.packedSize(m, k) + 3];
            Arrays.fill(buffer, Float.NaN);
            Gemm.PackedA packed = g.packRuns(m, k, alpha, a, aOff, lda, run, stride, buffer, true);
            int mr = packed.mr();
            String what = String.format("m=%d k=%d run=%d stride=%d lda=%d", m, k, run, stride, lda);
            for (int i = 0; i < (m + mr - 1) / mr * mr; i++) {
                for (int p = 0; p < k; p++) {
                    float expected = i < m && p % stride < run
                            ? alpha * a[aOff + i * lda + (p / stride) * run + p % stride] : 0f;
                    float got = buffer[(i / mr) * mr * k + p * mr + i % mr];
                    if (Float.compare(expected, got) != 0) {
                        fail(what + ": A[" + i + "," + p + "] packed as " + got + ", expected " + expected);
                    }
                }
            }
            if (run == stride) {
                float[] plain = new float[g.packedSize(m, k)];
                float[] dense = new float[m * k];
                for (int i = 0; i < m; i++) {
                    System.arraycopy(a, aOff + i * lda, dense, i * k, k);
                }
                g.pack(false, m, k, alpha, dense, 0, plain, false);
                assertTrue(Arrays.equals(plain, 0, plain.length, buffer, 0, plain.length), what);
            }
        }
    }

    static float[] random(Random rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = rnd.nextFloat() * 2 - 1;
        }
        return x;
    }
}
