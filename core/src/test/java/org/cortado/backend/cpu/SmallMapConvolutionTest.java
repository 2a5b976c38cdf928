package org.cortado.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.cortado.backend.ConvGeometry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Small output maps by the transposed product ({@link SmallMapConvolution}): against the seven-loop reference, and
 * bit for bit against the direct product where that one packs its B (more than 64 output rows per thread, and not
 * {@link ShiftedRows}, which read B in place in shorter K blocks).
 */
class SmallMapConvolutionTest {
    /**
     * The Zoo's kinds of small-map layers, narrowed: batch, C, H, W, K, kh, kw, sh, sw, ph, pw. ResNet-50's res5 (1x1
     * 7x7, 3x3 pad 1, the 1x1 stride-2 projection from 14x14), GoogLeNet's 5a/5b (5x5 pad 2, 3x3), NIN's 6x6 layers,
     * and two images.
     */
    static final int[][] GEOMETRIES = {
        {1, 96, 7, 7, 512, 1, 1, 1, 1, 0, 0},
        {1, 64, 7, 7, 528, 3, 3, 1, 1, 1, 1},
        {1, 48, 14, 14, 520, 1, 1, 2, 2, 0, 0},
        {1, 24, 7, 7, 512, 5, 5, 1, 1, 2, 2},
        {1, 40, 6, 6, 1000, 3, 3, 1, 1, 1, 1},
        {1, 200, 6, 6, 520, 1, 1, 1, 1, 0, 0},
        {2, 80, 7, 7, 512, 1, 1, 1, 1, 0, 0},
    };

    static Stream<Arguments> cases() {
        return Arrays.stream(GEOMETRIES).flatMap(d -> Stream.of(1, 2).map(t -> Arguments.of(d, t)));
    }

    private static ConvGeometry geometry(int[] d) {
        return new ConvGeometry(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], 1, 1, 1);
    }

    @ParameterizedTest(name = "{0}, {1} thread(s)")
    @MethodSource("cases")
    void matchesTheReferenceAndTheDirectProductBitForBit(int[] d, int threads) {
        ConvGeometry g = geometry(d);
        Gemm gemm = GemmTest.gemm("vector", threads);
        CpuConvolution small = new CpuConvolution(new Parallel(threads), gemm, false, true);
        CpuConvolution direct = new CpuConvolution(new Parallel(threads), gemm, false, false);
        assertTrue(new SmallMapConvolution(gemm, new DerivedWeights()).applies(g), g + " should take the small-map path");
        Random rnd = new Random(11);
        float[] input = GemmTest.random(rnd, g.batch() * g.inChannels() * g.inH() * g.inW());
        float[] weight = GemmTest.random(rnd, g.outChannels() * g.patchSize());
        float[] bias = GemmTest.random(rnd, g.outChannels());
        int outSize = g.batch() * g.outChannels() * g.outH() * g.outW();
        for (boolean withBias : new boolean[] {true, false}) {
            float[] b = withBias ? bias : null;
            float[] got = new float[outSize];
            small.forward(g, input, weight, b, got, false);
            CpuConvolutionTest.compare(g + (withBias ? " with bias" : " no bias"), NaiveConvolution.forward(g, input,
                    weight, b), got, 0, g.patchSize() + 1);
            float[] want = new float[outSize];
            direct.forward(g, input, weight, b, want, false);
            if (!ShiftedRows.appliesToForward(g)) {
                assertArrayEquals(want, got, g + ": the same bits as the direct product");
            }
            // Fused with its ReLU, into channels 3.. of an output with 5 channels more (a concat's slice).
            int plane = g.outH() * g.outW();
            int channels = g.outChannels() + 5;
            float[] wide = new float[g.batch() * channels * plane];
            Arrays.fill(wide, Float.NaN);
            small.forward(g, input, weight, DerivedWeights.UNCOUNTED, b, wide, true, channels, 3);
            for (int n = 0; n < g.batch(); n++) {
                for (int c = 0; c < channels; c++) {
                    for (int i = 0; i < plane; i++) {
                        float v = wide[(n * channels + c) * plane + i];
                        if (c < 3 || c >= 3 + g.outChannels()) {
                            assertTrue(Float.isNaN(v), "channel " + c + " outside the slice was written");
                        } else {
                            float w = Math.max(got[(n * g.outChannels() + c - 3) * plane + i], 0f);
                            if (Float.floatToRawIntBits(v) != Float.floatToRawIntBits(w)) {
                                throw new AssertionError(g + ": ReLU slice, image " + n + " channel " + c
                                        + " pixel " + i + " = " + v + ", expected " + w);
                            }
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("largeMapsAndGroups")
    void leavesLargerMapsGroupsAndFewChannelsToTheDirectProduct(int[] d) {
        ConvGeometry g = new ConvGeometry(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], 1, 1,
                d[11]);
        assertFalse(new SmallMapConvolution(GemmTest.gemm("vector", 1), new DerivedWeights()).applies(g));
    }

    /** 8x8 (64 pixels fill whole strips of 16 or 32), 13x13, a grouped 7x7, 7x7 with 384 outputs. */
    static Stream<int[]> largeMapsAndGroups() {
        return Stream.of(new int[] {1, 64, 8, 8, 512, 1, 1, 1, 1, 0, 0, 1},
                new int[] {1, 64, 13, 13, 512, 3, 3, 1, 1, 1, 1, 1},
                new int[] {1, 64, 7, 7, 512, 3, 3, 1, 1, 1, 1, 2},
                new int[] {1, 64, 7, 7, 384, 1, 1, 1, 1, 0, 0, 1});
    }
}
