package org.cortado.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.cortado.backend.ConvGeometry;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link CpuWinograd}'s forward pass, by F(2x2, 3x3) and by {@link WinogradF4}, against the direct sum in double on
 * the channel counts of every Model Zoo 3x3 stride-1 layer that takes Winograd, with maps cut to at most 30x30 (so
 * that the naive reference stays cheap) but keeping each map's size mod 4 (the tiles' overhang), at batch 1 and 2,
 * with the Zoo's groups and padding 1, and a few unpadded and odd shapes; and {@link VectorWinogradRows} against
 * {@link JavaWinogradRows}, bit for bit.
 */
class WinogradTest {
    /** C, K, map size, group: the Zoo's 3x3 stride-1 layers that take Winograd ({@link CpuWinograd#applies}). */
    static final int[][] ZOO = {
        {64, 64, 224, 1}, {64, 128, 112, 1}, {128, 128, 112, 1}, {128, 256, 56, 1}, {256, 256, 56, 1},
        {256, 512, 28, 1},
        {512, 512, 28, 1}, {512, 512, 14, 1},                                  // VGG-16 conv2_1 .. conv5_3
        {256, 384, 13, 1}, {384, 384, 13, 2}, {384, 256, 13, 2},                // AlexNet conv3, conv4, conv5
        {64, 192, 56, 1}, {96, 128, 28, 1}, {128, 192, 28, 1}, {96, 208, 14, 1}, {112, 224, 14, 1},
        {128, 256, 14, 1}, {144, 288, 14, 1}, {160, 320, 14, 1}, {160, 320, 7, 1}, {192, 384, 7, 1}, // GoogLeNet
        {64, 64, 56, 1}, {128, 128, 28, 1}, {256, 256, 14, 1}, {512, 512, 7, 1}, // ResNet-50 res2-res5
        {256, 384, 13, 1}, {384, 1024, 6, 1},                                   // NIN conv3, conv4
        {64, 256, 27, 1}, {64, 256, 13, 1},                                     // SqueezeNet fire8, fire9 expand3x3
    };

    /** Allowed error, relative to the largest output of the layer (the reference tests' bound is 1e-4). */
    static final double RELATIVE_BOUND = 5e-5;

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> kernels() {
        return GemmTest.kernels();
    }

    /** Each Zoo geometry's direct sum once, against F(2x2) and F(4x4) on the plain and the vector kernel. */
    @Test
    void zooLayersMatchTheDirectSum() {
        CpuWinograd[] paths = new CpuWinograd[4];
        String[] names = new String[4];
        for (int i = 0; i < 4; i++) {
            boolean vector = i >= 2;
            int threads = vector ? 2 : 1;
            paths[i] = new CpuWinograd(new Parallel(threads), GemmTest.gemm(vector ? "vector" : "java", threads),
                    new DerivedWeights(), i % 2 == 1);
            names[i] = (i % 2 == 1 ? "F(4x4)" : "F(2x2)") + ", "
                    + (vector ? "vector kernel, 2 threads" : "java kernel");
        }
        Random rnd = new Random(23);
        boolean sawF4 = false;
        boolean sawF2 = false;
        for (int[] z : ZOO) {
            assertTrue(CpuWinograd.applies(new ConvGeometry(1, z[0], z[2], z[2], z[1], 3, 3, 1, 1, 1, 1, 1, 1, z[3])),
                    java.util.Arrays.toString(z) + " takes Winograd");
        }
        for (int zi = 0; zi < ZOO.length; zi++) {
            int[] z = ZOO[zi];
            int size = z[2] <= 16 ? z[2] : 12 + z[2] % 4;
            // Batch 2 (chunks of tile rows across images) on every third layer and the grouped ones: the naive sums
            // of all of them would take minutes.
            for (int batch = 1; batch <= (zi % 3 == 0 || z[3] > 1 ? 2 : 1); batch++) {
                ConvGeometry g = new ConvGeometry(batch, z[0], size, size, z[1], 3, 3, 1, 1, 1, 1, 1, 1, z[3]);
                Case c = new Case(g, rnd);
                StringBuilder line = new StringBuilder(g.inChannels() + "->" + g.outChannels() + " " + size + "x"
                        + size + " g" + g.group() + " b" + batch + ":");
                for (int i = 0; i < 4; i++) {
                    line.append(String.format(" %s %.2e", names[i], c.check(paths[i], names[i])));
                }
                System.out.println(line);
                sawF4 |= WinogradF4.pays(g);
                sawF2 |= !WinogradF4.pays(g);
            }
        }
        assertTrue(sawF4 && sawF2, "the Zoo's maps take both F(4x4) and F(2x2)");
    }

    /** Unpadded, odd and non-square maps, several chunks of tile rows, a ReLU and a channel window. */
    @ParameterizedTest(name = "{0} kernel, {1} thread(s)")
    @MethodSource("kernels")
    void oddShapesMatchTheDirectSum(String kernel, int threads) {
        Parallel parallel = new Parallel(threads);
        Gemm gemm = GemmTest.gemm(kernel, threads);
        Random rnd = new Random(7);
        int[][] shapes = {
            // batch, C, H, W, K, pad, group
            {2, 16, 71, 9, 8, 1, 1}, {1, 8, 5, 37, 6, 0, 1}, {3, 12, 10, 11, 10, 2, 2}, {2, 4, 3, 3, 5, 0, 1},
            {1, 8, 130, 130, 4, 1, 1}, {5, 6, 13, 13, 4, 1, 2},
        };
        for (boolean useF4 : new boolean[] {false, true}) {
            CpuWinograd w = new CpuWinograd(parallel, gemm, new DerivedWeights(), useF4);
            for (int[] d : shapes) {
                ConvGeometry g = new ConvGeometry(d[0], d[1], d[2], d[3], d[4], 3, 3, 1, 1, d[5], d[5], 1, 1, d[6]);
                new Case(g, rnd).check(w, useF4 ? "F(4x4)" : "F(2x2)");
            }
        }
    }

    /**
     * Chunks kept to a small buffer (one row of tiles each, or a few) give the same bits as chunks of the default
     * size: each output is the same sum in the same order, only computed in another chunk.
     */
    @ParameterizedTest(name = "{0} kernel, {1} thread(s)")
    @MethodSource("kernels")
    void smallChunkBuffersGiveTheSameBits(String kernel, int threads) {
        Parallel parallel = new Parallel(threads);
        Gemm gemm = GemmTest.gemm(kernel, threads);
        Random rnd = new Random(11);
        int[][] shapes = {
            // batch, C, H, W, K, pad, group
            {3, 64, 28, 28, 96, 1, 1}, {2, 32, 13, 13, 48, 1, 2}, {4, 16, 7, 9, 24, 0, 1},
        };
        for (boolean useF4 : new boolean[] {false, true}) {
            CpuWinograd large = new CpuWinograd(parallel, gemm, new DerivedWeights(), useF4);
            for (int bufferFloats : new int[] {1, 40_000}) {
                CpuWinograd small = new CpuWinograd(parallel, gemm, new DerivedWeights(), useF4, bufferFloats);
                for (int[] d : shapes) {
                    ConvGeometry g = new ConvGeometry(d[0], d[1], d[2], d[3], d[4], 3, 3, 1, 1, d[5], d[5], 1, 1,
                            d[6]);
                    float[] input = GemmTest.random(rnd, g.batch() * g.inChannels() * g.inH() * g.inW());
                    float[] weight = GemmTest.random(rnd, g.outChannels() * g.patchSize());
                    float[] bias = GemmTest.random(rnd, g.outChannels());
                    int size = g.batch() * (g.outChannels() + 1) * g.outH() * g.outW();
                    float[] expected = new float[size];
                    float[] got = new float[size];
                    large.forward(g, input, weight, bias, expected, true, g.outChannels() + 1, 1);
                    small.forward(g, input, weight, bias, got, true, g.outChannels() + 1, 1);
                    assertArrayEquals(expected, got, (useF4 ? "F(4x4) " : "F(2x2) ") + g + ", buffer of "
                            + bufferFloats + " floats");
                }
            }
        }
    }

    /**
     * The calling thread's chunk buffer holds at most the budget (or one row of tiles, where that is more), and is
     * as large after a batch of 16 as after a batch of 1 where one image's tiles already fill it.
     */
    @Test
    void theChunkBufferDoesNotGrowWithTheBatch() throws Exception {
        int budget = 60_000;
        Random rnd = new Random(5);
        int[] held = new int[3];
        Thread t = new Thread(() -> {
            CpuWinograd w = new CpuWinograd(new Parallel(2), GemmTest.gemm("java", 2), new DerivedWeights(), false,
                    budget);
            int[] batches = {1, 16, 2};
            for (int i = 0; i < batches.length; i++) {
                // 32 + 32 channels at 28x28: 1024 floats per tile, 14 tiles a row, 196 an image.
                ConvGeometry g = new ConvGeometry(batches[i], 32, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1);
                float[] out = new float[g.batch() * g.outChannels() * g.outH() * g.outW()];
                w.forward(g, GemmTest.random(rnd, g.batch() * 32 * 28 * 28), GemmTest.random(rnd, 32 * 9 * 32),
                        null, out, false, 32, 0);
                held[i] = WinogradChunks.tilesHeld();
            }
        });
        t.start();
        t.join();
        assertTrue(held[0] > 0 && held[0] <= budget, "held " + held[0] + " floats for a budget of " + budget);
        assertEquals(held[0], held[1], "batch 16 grew the buffer");
        assertEquals(held[0], held[2], "batch 2 grew the buffer");
        // One row of tiles where a row alone passes the budget; else the rows shared evenly between the chunks.
        assertEquals(1, WinogradChunks.rowsPerChunk(896, 56, 16, 512, 512, 512, 60_000));
        assertEquals(58, WinogradChunks.rowsPerChunk(58, 1, 16, 32, 32, 512, 60_000));
        assertEquals(30, WinogradChunks.rowsPerChunk(59, 1, 16, 32, 32, 512, 60_000));
        assertEquals(28, WinogradChunks.rowsPerChunk(112, 7, 16, 512, 512, 512, 4 << 20));
    }

    /** Consecutive positions' matrices lie whole cache lines apart, an odd number of them: never 4 KiB apart. */
    @Test
    void positionsAreSpreadOverTheCacheSets() {
        for (int size : new int[] {1, 16, 1024, 128 * 392, 512 * 126, 96 * 448, 1000, 4097}) {
            int d = WinogradChunks.spread(size);
            assertTrue(d >= size && d < size + 32 && d % 16 == 0 && (d / 16) % 2 == 1, size + " -> " + d);
        }
    }

    /** A layer's random input, weights and bias, and its direct sum in double. */
    private static final class Case {
        final ConvGeometry g;
        final float[] input;
        final float[] weight;
        final float[] bias;
        final double[] expected;
        final double maxAbs;

        Case(ConvGeometry g, Random rnd) {
            this.g = g;
            input = GemmTest.random(rnd, g.batch() * g.inChannels() * g.inH() * g.inW());
            weight = GemmTest.random(rnd, g.outChannels() * g.patchSize());
            bias = GemmTest.random(rnd, g.outChannels());
            expected = NaiveConvolution.forward(g, input, weight, bias);
            double max = 0;
            for (double e : expected) {
                max = Math.max(max, Math.abs(e));
            }
            maxAbs = max;
        }

        /**
         * Forward by {@code w} into channels [1, 1 + K) of a K + 2 channel output, with and without ReLU; returns the
         * largest |error| relative to the largest |sum|.
         */
        double check(CpuWinograd w, String what) {
            double worst = 0;
            int k = g.outChannels();
            int plane = g.outH() * g.outW();
            for (boolean relu : new boolean[] {false, true}) {
                float[] out = new float[g.batch() * (k + 2) * plane];
                java.util.Arrays.fill(out, Float.NaN);
                w.forward(g, input, weight, bias, out, relu, k + 2, 1);
                double maxDiff = 0;
                for (int n = 0; n < g.batch(); n++) {
                    for (int c = 0; c < k + 2; c++) {
                        for (int i = 0; i < plane; i++) {
                            float got = out[(n * (k + 2) + c) * plane + i];
                            if (c == 0 || c == k + 1) {
                                assertTrue(Float.isNaN(got), what + " " + g + ": channel " + c
                                        + " outside the window was written");
                                continue;
                            }
                            if (Float.isNaN(got)) {
                                fail(what + " " + g + ": output (" + n + ", " + (c - 1) + ", " + i + ") not written");
                            }
                            double e = expected[(n * k + c - 1) * plane + i];
                            maxDiff = Math.max(maxDiff, Math.abs(got - (relu ? Math.max(e, 0) : e)));
                        }
                    }
                }
                assertFalse(maxDiff > RELATIVE_BOUND * maxAbs, what + " " + g + (relu ? " with ReLU" : "")
                        + ": max |diff| " + maxDiff + " against max |sum| " + maxAbs);
                worst = Math.max(worst, maxDiff / maxAbs);
            }
            return worst;
        }
    }

    /** The Vector API loops give the plain loops' bits, runs with and without a tail. */
    @Test
    void vectorRowsEqualThePlainRowsBitForBit() {
        Assumptions.assumeTrue(Simd.usable(), "the Vector API does not run here");
        WinogradRows plain = new JavaWinogradRows();
        WinogradRows vector = new VectorWinogradRows();
        Random rnd = new Random(3);
        for (int len : new int[] {1, 7, 8, 9, 16, 29, 56}) {
            float[] src = GemmTest.random(rnd, 40 * (len + 2));
            int[] o = new int[8];
            for (int i = 0; i < 8; i++) {
                o[i] = i * (len + 2) + rnd.nextInt(2);
            }
            for (WinogradRowsCall call : WinogradRowsCall.values()) {
                float[] a = new float[64 * (len + 2)];
                float[] b = new float[a.length];
                call.run(plain, src, o, len, a);
                call.run(vector, src, o, len, b);
                assertArrayEquals(a, b, call + " over " + len);
            }
        }
    }

    private enum WinogradRowsCall {
        INPUT, OUTPUT, OUTPUT_RELU, INPUT_F4, OUTPUT_F4, OUTPUT_F4_RELU;

        void run(WinogradRows r, float[] src, int[] o, int len, float[] dst) {
            int s = len + 2;
            switch (this) {
                case INPUT -> r.input(src, o[0], o[1], o[2], o[3], 5 * s, len, dst, 1, s);
                case OUTPUT, OUTPUT_RELU -> r.output(src, o[0], s + 1, len, 0.25f, this == OUTPUT_RELU, dst, 2, s);
                case INPUT_F4 -> r.inputF4(src, o[0], o[1], o[2], o[3], o[4], o[5], len, dst, 3, s);
                default -> r.outputF4(src, o[0], o[1], o[2], o[3], o[4], o[5], len, -0.5f, this == OUTPUT_F4_RELU,
                        dst, 1, s);
            }
        }
    }
}
