package org.cortado.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.cortado.backend.ConvGeometry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link CpuConvolution} forward, backward-data and backward-filter against {@link NaiveConvolution}, for both
 * GEMM kernels, one and two threads (batches of 1, 2 and 3 take both the per-product and the per-image split),
 * over strides, padding, dilation, groups, 1x1 paths, kernels wider than the input and single-pixel outputs;
 * forward and filter gradient both with 3x3 stride-1 layers of 128 channels and more (forward: from 64 in) through
 * Winograd F(2x2, 3x3)
 * (odd outputs, groups, padding 0 and 1, one chunk of several images and chunks of one image) and without. The forward
 * pass fused with a ReLU gives, bit for bit, the ReLU of the plain one, on every path (a 1x1 layer and im2col
 * products of several K blocks among them: the clamp must wait for a tile's last block), and written into a channel
 * window of a wider output (a concat's slice) it is that too, with the other channels untouched.
 */
class CpuConvolutionTest {
    /**
     * Allowed error per term of a sum, times the number of terms (the patch size for forward and filter gradients
     * summed over the batch and pixels, the taps reaching a pixel for data gradients), with inputs in [-1, 1].
     */
    static final double TOLERANCE_PER_TERM = 2.5e-7;

    /** batch, C, H, W, K, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, group. */
    static final int[][] GEOMETRIES = {
        {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1},
        {2, 3, 11, 13, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1},
        {3, 3, 17, 17, 8, 11, 11, 4, 4, 0, 0, 1, 1, 1},
        {2, 6, 9, 7, 10, 5, 5, 1, 1, 2, 2, 1, 1, 2},
        {1, 8, 7, 7, 12, 3, 3, 1, 1, 1, 1, 1, 1, 2},
        {3, 4, 9, 9, 6, 3, 3, 1, 1, 2, 2, 2, 2, 1},
        {2, 16, 6, 5, 9, 1, 1, 1, 1, 0, 0, 1, 1, 1},
        {3, 8, 6, 6, 6, 1, 1, 1, 1, 0, 0, 1, 1, 2},
        {2, 5, 7, 8, 3, 1, 1, 2, 2, 0, 0, 1, 1, 1},
        {3, 8, 9, 7, 70, 1, 1, 2, 3, 0, 0, 1, 1, 2},
        {2, 6, 7, 9, 20, 1, 1, 2, 3, 1, 2, 1, 1, 1},
        {1, 4, 5, 5, 1000, 1, 1, 1, 1, 1, 1, 1, 1, 1},
        {2, 3, 4, 3, 5, 5, 5, 1, 1, 2, 2, 1, 1, 1},
        {1, 7, 5, 6, 2, 3, 2, 2, 3, 0, 1, 1, 2, 1},
        {3, 2, 3, 3, 4, 3, 3, 1, 1, 0, 0, 1, 1, 1},
        {5, 20, 7, 6, 17, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {2, 6, 9, 10, 4, 3, 3, 1, 1, 2, 2, 1, 1, 2},
        {3, 3, 40, 41, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {1, 16, 13, 13, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {2, 2, 2, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {2, 128, 7, 6, 130, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {3, 256, 5, 5, 256, 3, 3, 1, 1, 1, 1, 1, 1, 2},
        {1, 130, 4, 9, 129, 3, 3, 1, 1, 0, 0, 1, 1, 1},
        {2, 128, 33, 33, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {2, 300, 5, 4, 7, 1, 1, 1, 1, 0, 0, 1, 1, 1},
        {2, 5, 9, 11, 7, 3, 5, 1, 1, 1, 3, 2, 1, 1},
        {1, 40, 30, 30, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {2, 4, 5, 5, 200, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {2, 3, 9, 8, 130, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {2, 8, 5, 5, 300, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {2, 64, 9, 8, 130, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {1, 64, 16, 15, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1},
    };

    /**
     * Forward passes take {@link ShiftedRows} or im2col by a cost rule, and data gradients may run as forward passes;
     * the geometries above must keep exercising both paths, shifted rows with strides and over several K and N
     * blocks, a data gradient by Winograd, layers whose forward pass and filter gradient take Winograd, and strided
     * or padded 1x1 layers (a product on the subsampled input).
     */
    @Test
    void geometriesCoverShiftedRowsAndIm2col() {
        boolean shiftedManyBlocks = false;
        boolean shiftedStrided = false;
        boolean im2col = false;
        boolean winogradDataGradient = false;
        boolean winograd = false;
        boolean winogradFewInputs = false;
        boolean paddedOrStridedPointwise = false;
        for (int[] d : GEOMETRIES) {
            ConvGeometry g = geometry(d);
            winograd |= CpuConvolution.filterGradientByWinograd(g);
            paddedOrStridedPointwise |= CpuConvolution.isPaddedOrStridedPointwise(g);
            winogradFewInputs |= CpuWinograd.applies(g) && g.inChannelsPerGroup() < CpuWinograd.MIN_CHANNELS;
            winogradDataGradient |= CpuConvolution.backwardDataAsForward(g)
                    && CpuWinograd.applies(CpuConvolution.backwardDataGeometry(g));
            if (g.isPointwise() || CpuWinograd.applies(g)) {
                continue;
            }
            boolean applies = ShiftedRows.appliesToForward(g);
            shiftedManyBlocks |= applies && g.patchSize() > Gemm.KC && g.outH() * g.outW() > Gemm.NC;
            shiftedStrided |= applies && g.strideH() > 1 && g.strideW() > 1 && g.padW() > 0;
            im2col |= !applies;
        }
        assertTrue(shiftedManyBlocks && shiftedStrided && im2col && winogradDataGradient && winograd
                && winogradFewInputs && paddedOrStridedPointwise, "padded or strided 1x1 " + paddedOrStridedPointwise
                + ", shifted rows over several blocks " + shiftedManyBlocks + ", strided and padded " + shiftedStrided
                + ", im2col " + im2col + ", data gradient by Winograd " + winogradDataGradient
                + ", forward and filter gradient by Winograd " + winograd + ", forward by Winograd with fewer inputs "
                + "than outputs' minimum " + winogradFewInputs);
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> kernels() {
        return GemmTest.kernels();
    }

    @ParameterizedTest(name = "{0} kernel, {1} thread(s)")
    @MethodSource("kernels")
    void forwardMatchesSevenLoops(String kernel, int threads) {
        forwardMatches(new CpuConvolution(new Parallel(threads), GemmTest.gemm(kernel, threads), true));
    }

    @ParameterizedTest(name = "{0} kernel, {1} thread(s)")
    @MethodSource("kernels")
    void forwardWithoutWinogradMatchesSevenLoops(String kernel, int threads) {
        forwardMatches(new CpuConvolution(new Parallel(threads), GemmTest.gemm(kernel, threads), false));
    }

    private static void forwardMatches(CpuConvolution conv) {
        Random rnd = new Random(1);
        for (int[] d : GEOMETRIES) {
            ConvGeometry g = geometry(d);
            float[] input = GemmTest.random(rnd, g.batch() * g.inChannels() * g.inH() * g.inW());
            float[] weight = GemmTest.random(rnd, g.outChannels() * g.patchSize());
            for (boolean withBias : new boolean[] {true, false}) {
                float[] bias = withBias ? GemmTest.random(rnd, g.outChannels()) : null;
                float[] out = GemmTest.random(rnd, g.batch() * g.outChannels() * g.outH() * g.outW());
                conv.forward(g, input, weight, bias, out, false);
                compare(g + (withBias ? " with bias" : " no bias") + ", forward", NaiveConvolution.forward(g, input,
                        weight, bias), out, 0, g.patchSize() + 1, conv.takesWinogradF4(g));
                float[] fused = GemmTest.random(rnd, out.length);
                conv.forward(g, input, weight, bias, fused, true);
                for (int i = 0; i < out.length; i++) {
                    if (Float.floatToRawIntBits(fused[i]) != Float.floatToRawIntBits(Math.max(out[i], 0f))) {
                        fail(g + (withBias ? " with bias" : " no bias") + ", forward fused with ReLU: element " + i
                                + " is " + fused[i] + ", the ReLU of the plain forward is " + Math.max(out[i], 0f));
                    }
                }
                intoAChannelWindow(conv, g, input, weight, bias, fused);
            }
        }
    }

    /**
     * The forward pass (fused with a ReLU, whose plain result is {@code want}) written into channels 3.. of an output
     * of K + 5 channels per image, as into a concat's slice: that slice is {@code want} to the bit, and the other
     * channels keep the NaNs they held.
     */
    private static void intoAChannelWindow(CpuConvolution conv, ConvGeometry g, float[] input, float[] weight,
                                           float[] bias, float[] want) {
        int plane = g.outH() * g.outW();
        int channels = g.outChannels() + 5;
        float[] wide = new float[g.batch() * channels * plane];
        java.util.Arrays.fill(wide, Float.NaN);
        conv.forward(g, input, weight, DerivedWeights.UNCOUNTED, bias, wide, true, channels, 3);
        for (int n = 0; n < g.batch(); n++) {
            for (int c = 0; c < channels; c++) {
                for (int i = 0; i < plane; i++) {
                    float got = wide[(n * channels + c) * plane + i];
                    boolean inside = c >= 3 && c < 3 + g.outChannels();
                    float expected = inside ? want[(n * g.outChannels() + c - 3) * plane + i] : Float.NaN;
                    if (Float.floatToRawIntBits(got) != Float.floatToRawIntBits(expected)) {
                        fail(g + ", forward into channels 3.." + (3 + g.outChannels()) + " of " + channels
                                + ": image " + n + " channel " + c + " pixel " + i + " is " + got + ", expected "
                                + expected);
                    }
                }
            }
        }
    }

    /**
     * {@link CpuWinograd} itself, forward and filter gradient, below the channel counts at which the convolution
     * chooses it (so that the naive reference stays cheap): several chunks of images ({@code 2 x 17 x 17} tiles),
     * odd sizes, no padding, groups.
     */
    @ParameterizedTest(name = "{0} kernel, {1} thread(s)")
    @MethodSource("kernels")
    void winogradMatchesSevenLoopsWithFewOutputChannels(String kernel, int threads) {
        Parallel parallel = new Parallel(threads);
        CpuWinograd winograd = new CpuWinograd(parallel, GemmTest.gemm(kernel, threads));
        Random rnd = new Random(5);
        int[][] shapes = {
            {2, 128, 33, 33, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1},
            {2, 128, 7, 6, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1},
            {3, 256, 5, 5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2},
            {1, 130, 4, 9, 9, 3, 3, 1, 1, 0, 0, 1, 1, 1},
        };
        for (int[] d : shapes) {
            ConvGeometry g = geometry(d);
            float[] input = GemmTest.random(rnd, g.batch() * g.inChannels() * g.inH() * g.inW());
            float[] weight = GemmTest.random(rnd, g.outChannels() * g.patchSize());
            float[] bias = GemmTest.random(rnd, g.outChannels());
            float[] out = GemmTest.random(rnd, g.batch() * g.outChannels() * g.outH() * g.outW());
            winograd.forward(g, input, weight, bias, out, false, g.outChannels(), 0);
            compare(g + ", Winograd forward", NaiveConvolution.forward(g, input, weight, bias), out, 0,
                    g.patchSize() + 1);

            float[] dout = GemmTest.random(rnd, out.length);
            float[] dweight = GemmTest.random(rnd, weight.length);
            double[] expected = NaiveConvolution.backward(g, input, weight, dout)[1];
            for (int i = 0; i < expected.length; i++) {
                expected[i] += dweight[i];
            }
            winograd.backwardFilter(g, input, dout, dweight);
            compare(g + ", Winograd filter gradient (accumulated)", expected, dweight, 0,
                    g.batch() * g.outH() * g.outW() + 1);
        }
    }

    @ParameterizedTest(name = "{0} kernel, {1} thread(s)")
    @MethodSource("kernels")
    void backwardMatchesSevenLoops(String kernel, int threads) {
        backwardMatches(new CpuConvolution(new Parallel(threads), GemmTest.gemm(kernel, threads), true));
    }

    @ParameterizedTest(name = "{0} kernel, {1} thread(s)")
    @MethodSource("kernels")
    void backwardWithoutWinogradMatchesSevenLoops(String kernel, int threads) {
        backwardMatches(new CpuConvolution(new Parallel(threads), GemmTest.gemm(kernel, threads), false));
    }

    private static void backwardMatches(CpuConvolution conv) {
        Random rnd = new Random(2);
        for (int[] d : GEOMETRIES) {
            ConvGeometry g = geometry(d);
            float[] input = GemmTest.random(rnd, g.batch() * g.inChannels() * g.inH() * g.inW());
            float[] weight = GemmTest.random(rnd, g.outChannels() * g.patchSize());
            float[] dout = GemmTest.random(rnd, g.batch() * g.outChannels() * g.outH() * g.outW());
            double[][] ref = NaiveConvolution.backward(g, input, weight, dout);

            float[] dinp = GemmTest.random(rnd, input.length);
            conv.backwardData(g, weight, dout, dinp);
            int tapsPerPixel = g.outChannelsPerGroup() * g.kernelH() * g.kernelW();
            compare(g + ", backward data (overwritten)", ref[0], dinp, 0, tapsPerPixel,
                    CpuConvolution.backwardDataAsForward(g) && conv.takesWinogradF4(CpuConvolution.backwardDataGeometry(g)));

            float[] dweight = GemmTest.random(rnd, weight.length);
            float[] before = dweight.clone();
            conv.backwardFilter(g, input, dout, dweight);
            double[] expected = ref[1].clone();
            for (int i = 0; i < expected.length; i++) {
                expected[i] += before[i];
            }
            compare(g + ", backward filter (accumulated)", expected, dweight, 0,
                    g.batch() * g.outH() * g.outW() + 1);
        }
    }

    static ConvGeometry geometry(int[] d) {
        return new ConvGeometry(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12],
                d[13]);
    }

    static void compare(String what, double[] expected, float[] got, int offset, int terms) {
        compare(what, expected, got, offset, terms, false);
    }

    /**
     * With {@code winogradF4} (a forward pass by F(4x4, 3x3)), the tolerance is also at least
     * {@link WinogradTest#RELATIVE_BOUND} of the largest expected value: that algorithm's transforms scale the data
     * by up to 100 and back, and its error does not shrink with each term as a sum's does.
     */
    private static void compare(String what, double[] expected, float[] got, int offset, int terms,
                                boolean winogradF4) {
        double tol = TOLERANCE_PER_TERM * terms;
        if (winogradF4) {
            double max = 0;
            for (double e : expected) {
                max = Math.max(max, Math.abs(e));
            }
            tol = Math.max(tol, WinogradTest.RELATIVE_BOUND * max);
        }
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(got[offset + i] - expected[i]) <= tol)) {
                fail(what + ": element " + i + " = " + got[offset + i] + ", expected " + expected[i]
                        + " (tolerance " + tol + ")");
            }
        }
    }
}
