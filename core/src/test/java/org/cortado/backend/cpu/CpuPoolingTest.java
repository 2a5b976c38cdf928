package org.cortado.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.cortado.backend.PoolGeometry;
import org.junit.jupiter.api.Test;

/**
 * MAX pooling, at inference (no argmax mask, the separable path) and in training (with the mask, the branch-free
 * window loop), against Caffe's window loop written out here, over Caffe's rounded-up sizes with windows hanging
 * past the edge, padding, and global pooling.
 */
class CpuPoolingTest {
    /** batch, channels, inH, inW, kernel, stride, pad, outH, outW (outH/outW as Caffe computes them). */
    private static final int[][] CASES = {
        {2, 3, 111, 111, 3, 2, 0, 55, 55}, {1, 4, 13, 13, 3, 2, 0, 6, 6}, {3, 2, 7, 5, 2, 2, 1, 5, 4},
        {1, 5, 6, 6, 6, 1, 0, 1, 1}, {2, 1, 1, 1, 1, 1, 0, 1, 1}, {1, 2, 8, 9, 3, 3, 1, 4, 4},
        {2, 3, 8, 8, 3, 2, 0, 4, 4}, {1, 2, 9, 7, 3, 1, 0, 7, 5},
        // 3-wide windows over rows long enough for whole vectors of windows (16 at AVX-512), with and without a tail
        // of windows after them, at strides 1 and 2, and a last window hanging past the edge.
        {1, 2, 5, 40, 3, 1, 0, 3, 38}, {1, 2, 5, 18, 3, 1, 0, 3, 16}, {2, 2, 7, 35, 3, 2, 0, 3, 17},
        {1, 2, 7, 66, 3, 2, 0, 3, 33}, {1, 1, 3, 67, 3, 2, 0, 1, 33},
        // Every MAX pooling of the Zoo's nets at batch 1 and 16 (few channels): AlexNet's and NIN's 3/2/0 (55, 54,
        // 27, 26, 13), GoogLeNet's and ResNet-50's 3/2/0 rounded up (112, 56, 28, 14), VGG-16's 2/2/0, and
        // GoogLeNet's inception 3/1/1 (28, 14, 7), the separable path, with odd and degenerate planes besides.
        {16, 2, 55, 55, 3, 2, 0, 27, 27}, {1, 2, 54, 54, 3, 2, 0, 27, 27}, {16, 1, 27, 27, 3, 2, 0, 13, 13},
        {1, 3, 26, 26, 3, 2, 0, 13, 13}, {16, 2, 13, 13, 3, 2, 0, 6, 6}, {1, 2, 112, 112, 3, 2, 0, 56, 56},
        {16, 1, 56, 56, 3, 2, 0, 28, 28}, {1, 2, 28, 28, 3, 2, 0, 14, 14}, {16, 2, 14, 14, 3, 2, 0, 7, 7},
        {1, 2, 224, 224, 2, 2, 0, 112, 112}, {16, 2, 28, 28, 2, 2, 0, 14, 14}, {1, 3, 14, 14, 2, 2, 0, 7, 7},
        {1, 3, 28, 28, 3, 1, 1, 28, 28}, {16, 2, 28, 28, 3, 1, 1, 28, 28}, {1, 2, 14, 14, 3, 1, 1, 14, 14},
        {16, 3, 14, 14, 3, 1, 1, 14, 14}, {1, 2, 7, 7, 3, 1, 1, 7, 7}, {16, 5, 7, 7, 3, 1, 1, 7, 7},
        {2, 3, 13, 17, 3, 1, 1, 13, 17}, {3, 2, 1, 1, 3, 1, 1, 1, 1}, {2, 2, 2, 2, 3, 1, 1, 2, 2},
        {1, 2, 1, 9, 3, 1, 1, 1, 9}, {1, 2, 9, 1, 3, 1, 1, 9, 1}, {2, 2, 3, 3, 3, 1, 1, 3, 3},
        {1, 2, 2, 11, 3, 1, 1, 2, 11},
    };

    @Test
    void maxWithoutMaskMatchesWindowLoop() {
        check(false, new Random(5));
    }

    /** Inputs drawn from 4 values, so that windows hold ties: the mask must name the first maximum, as Caffe's. */
    @Test
    void maxWithMaskMatchesWindowLoopIncludingTies() {
        check(true, new Random(6));
    }

    /**
     * The Vector API rows (pooling's column maxima and their argmax, ReLU) give the plain loops' bits, with Math.max's semantics where
     * they matter: NaNs, signed zeros, infinities; lengths with and without a tail.
     */
    @Test
    void vectorRowsEqualThePlainRowsBitForBit() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Simd.usable(), "the Vector API does not run here");
        Random rnd = new Random(7);
        MaxRuns[] impls = {new JavaMaxRuns(), new VectorMaxRuns()};
        for (int n : new int[] {1, 15, 16, 55, 111, 256}) {
            float[] in = withSpecials(rnd, 3 * n + 5);
            int[][] bits = new int[2][];
            for (int k = 0; k < 2; k++) {
                float[] out = new float[n];
                impls[k].max3(in, 1, in, 2 + n, in, 3 + 2 * n, out, n);
                float[] acc = java.util.Arrays.copyOf(out, n);
                impls[k].maxInto(in, 4, acc, n);
                float[] relu = new float[in.length];
                impls[k].relu(in, relu, 2, 2 + n);
                int[] arg = new int[n];
                java.util.Arrays.fill(arg, Integer.MAX_VALUE);
                for (int row = 0; row < 3; row++) {
                    impls[k].argmaxInto(in, 1 + row * (n + 1), out, arg, 1000 * row, n);
                }
                bits[k] = new int[4 * n];
                for (int i = 0; i < n; i++) {
                    bits[k][i] = Float.floatToRawIntBits(out[i]);
                    bits[k][n + i] = Float.floatToRawIntBits(acc[i]);
                    bits[k][2 * n + i] = Float.floatToRawIntBits(relu[2 + i]);
                    bits[k][3 * n + i] = arg[i];
                }
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(bits[0], bits[1], "length " + n);
        }
    }

    /**
     * The vector windows (3 wide, strides 1 and 2, with the argmax) give the plain loops' maxima and mask, NaN windows
     * (mask -1), signed zeros and ties included, for counts with and without a tail of windows.
     */
    @Test
    void vectorWindowsEqualThePlainWindowsBitForBit() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Simd.usable(), "the Vector API does not run here");
        Random rnd = new Random(8);
        float[] special = {Float.NaN, 0f, -0f, Float.NEGATIVE_INFINITY, 1f, 1f, 1f};
        MaxRuns[] impls = {new JavaMaxRuns(), new VectorMaxRuns()};
        for (int stride : new int[] {1, 2, 3}) {
            for (int count : new int[] {1, 15, 16, 17, 33, 55, 64}) {
                int columns = stride * (count - 1) + 3;
                float[] cm = new float[columns + MaxRuns.WINDOW_SLACK];
                int[] ca = new int[cm.length];
                for (int i = 0; i < cm.length; i++) {
                    cm[i] = rnd.nextInt(3) == 0 ? special[rnd.nextInt(special.length)] : rnd.nextInt(5) - 2;
                    ca[i] = rnd.nextInt(4) == 0 ? Integer.MAX_VALUE : rnd.nextInt(1 << 20);
                }
                float[][] outs = new float[2][];
                float[][] masks = new float[2][];
                for (int k = 0; k < 2; k++) {
                    outs[k] = new float[count + 3];
                    masks[k] = new float[count + 3];
                    impls[k].windowMax3(cm, stride, outs[k], 2, count);
                    impls[k].windowArgmax3(cm, ca, stride, outs[k], masks[k], 2, count);
                }
                String where = "stride " + stride + ", " + count + " windows";
                for (int p = 0; p < count + 3; p++) {
                    assertEquals(Float.floatToRawIntBits(outs[0][p]), Float.floatToRawIntBits(outs[1][p]),
                            where + ": maximum " + p);
                    assertEquals(Float.floatToRawIntBits(masks[0][p]), Float.floatToRawIntBits(masks[1][p]),
                            where + ": argmax " + p);
                }
            }
        }
    }

    /**
     * The separable 3x3 stride-1 pad-1 planes (GoogLeNet's inception poolings) in vectors give the plain loops' bits,
     * NaNs, signed zeros and infinities included, on planes from 1x1 to 28x28 at offsets inside larger arrays (the
     * vectors must neither read another plane's rows into a window nor write past the plane).
     */
    @Test
    void vectorPlanesEqualThePlainPlanesBitForBit() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Simd.usable(), "the Vector API does not run here");
        Random rnd = new Random(9);
        MaxRuns[] impls = {new JavaMaxRuns(), new VectorMaxRuns()};
        int[][] sizes = {{1, 1}, {1, 9}, {9, 1}, {2, 2}, {3, 3}, {2, 11}, {7, 7}, {14, 14}, {3, 17}, {13, 17}, {28, 28}};
        for (int[] hw : sizes) {
            int n = hw[0] * hw[1];
            float[] in = withSpecials(rnd, n + 20);
            float[][] outs = new float[2][];
            for (int k = 0; k < 2; k++) {
                outs[k] = new float[n + 20];
                java.util.Arrays.fill(outs[k], 42f);
                float[] rowMax = new float[(hw[0] + 2) * hw[1] + MaxRuns.WINDOW_SLACK];
                java.util.Arrays.fill(rowMax, Float.NaN);
                impls[k].max3x3Pad1(in, 10, hw[0], hw[1], rowMax, outs[k], 7);
            }
            for (int i = 0; i < outs[0].length; i++) {
                assertEquals(Float.floatToRawIntBits(outs[0][i]), Float.floatToRawIntBits(outs[1][i]),
                        hw[0] + "x" + hw[1] + " at " + i);
            }
            for (int i = 0; i < 7; i++) {
                assertEquals(42f, outs[1][i], "written before the plane");
                assertEquals(42f, outs[1][7 + n + i], "written past the plane");
            }
        }
    }

    /** Values in [-1, 1), a third of them NaN, signed zeros, infinities, -FLT_MAX or 1. */
    private static float[] withSpecials(Random rnd, int length) {
        float[] special = {Float.NaN, 0f, -0f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -Float.MAX_VALUE, 1f};
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = rnd.nextInt(3) == 0 ? special[rnd.nextInt(special.length)] : rnd.nextFloat() * 2 - 1;
        }
        return values;
    }

    private static void check(boolean withMask, Random rnd) {
        for (int threads : new int[] {1, 2}) {
            CpuPooling pooling = new CpuPooling(new Parallel(threads));
            for (int[] d : CASES) {
                PoolGeometry g = new PoolGeometry(d[0], d[1], d[2], d[3], d[4], d[4], d[5], d[5], d[6], d[6], d[7],
                        d[8]);
                float[] in = new float[g.batch() * g.channels() * g.inH() * g.inW()];
                for (int i = 0; i < in.length; i++) {
                    in[i] = withMask ? rnd.nextInt(4) - 2 : rnd.nextFloat() * 2 - 1;
                }
                float[] out = new float[g.batch() * g.channels() * g.outH() * g.outW()];
                float[] mask = withMask ? new float[out.length] : null;
                pooling.maxForward(g, in, out, mask);
                for (int plane = 0; plane < g.batch() * g.channels(); plane++) {
                    for (int ph = 0; ph < g.outH(); ph++) {
                        for (int pw = 0; pw < g.outW(); pw++) {
                            float best = -Float.MAX_VALUE;
                            int arg = -1;
                            for (int h = Math.max(0, ph * g.strideH() - g.padH());
                                 h < Math.min(g.inH(), ph * g.strideH() - g.padH() + g.kernelH()); h++) {
                                for (int w = Math.max(0, pw * g.strideW() - g.padW());
                                     w < Math.min(g.inW(), pw * g.strideW() - g.padW() + g.kernelW()); w++) {
                                    float v = in[(plane * g.inH() + h) * g.inW() + w];
                                    if (v > best) {
                                        best = v;
                                        arg = h * g.inW() + w;
                                    }
                                }
                            }
                            int at = (plane * g.outH() + ph) * g.outW() + pw;
                            String where = g + ": plane " + plane + " at " + ph + "," + pw;
                            assertEquals(best, out[at], where);
                            if (withMask) {
                                assertEquals(arg, (int) mask[at], where + ": argmax");
                            }
                        }
                    }
                }
            }
        }
    }
}
