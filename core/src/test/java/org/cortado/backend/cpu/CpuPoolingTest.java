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
                float[][] shifted = new float[2][];
                float[][] pairs = new float[2][];
                for (int k = 0; k < 2; k++) {
                    outs[k] = new float[count + 3];
                    masks[k] = new float[count + 3];
                    impls[k].windowMax3(cm, 0, stride, outs[k], 2, count);
                    impls[k].windowArgmax3(cm, ca, 0, stride, outs[k], masks[k], 2, count);
                    // Windows from an odd column (padding before them) and 2-wide ones (VGG-16).
                    shifted[k] = new float[count + 3];
                    impls[k].windowMax3(cm, 1, stride, shifted[k], 1, count - 1);
                    pairs[k] = new float[count + 3];
                    impls[k].windowMax2(cm, 1, stride, pairs[k], 2, count);
                }
                String where = "stride " + stride + ", " + count + " windows";
                for (int p = 0; p < count + 3; p++) {
                    assertEquals(Float.floatToRawIntBits(outs[0][p]), Float.floatToRawIntBits(outs[1][p]),
                            where + ": maximum " + p);
                    assertEquals(Float.floatToRawIntBits(masks[0][p]), Float.floatToRawIntBits(masks[1][p]),
                            where + ": argmax " + p);
                    assertEquals(Float.floatToRawIntBits(shifted[0][p]), Float.floatToRawIntBits(shifted[1][p]),
                            where + ": maximum from column 1, " + p);
                    assertEquals(Float.floatToRawIntBits(pairs[0][p]), Float.floatToRawIntBits(pairs[1][p]),
                            where + ": 2-wide maximum " + p);
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

    /**
     * Inference over a grid of geometries beyond the Zoo's: kernels 1 to 5 (2 and 3 take the vector windows, the
     * others the window at a time), each as high as wide or not, strides 1 to 3, padding below the kernel, Caffe's
     * rounded-up sizes with partial last windows, rows narrower than a vector and wider than two; against the window
     * loop, with infinities and -FLT_MAX among the values (not NaN or zeros, where {@code Math.max} and the loop's
     * {@code >} differ by design), for the plain and the vector kernel and one and two threads; and in training, with
     * the argmax, on values drawn from 4 so that windows hold ties.
     */
    @Test
    void everyGeometryMatchesWindowLoop() {
        Random rnd = new Random(10);
        int checked = 0;
        for (MaxRuns impl : kernels()) {
            for (int threads : new int[] {1, 2}) {
                CpuPooling pooling = new CpuPooling(new Parallel(threads), impl);
                checked += checkGrid(pooling, false, rnd) + checkGrid(pooling, true, rnd);
            }
        }
        org.junit.jupiter.api.Assertions.assertTrue(checked > 1000, checked + " geometries");
    }

    /** {@link #everyGeometryMatchesWindowLoop}'s grid for one pooling, at inference or in training; how many ran. */
    private static int checkGrid(CpuPooling pooling, boolean training, Random rnd) {
        // -FLT_MAX itself only at inference: a window whose maximum it is gets no argmax in Caffe (its loop starts
        // there with a strict >), that input here.
        float[] special = training ? new float[] {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY}
                : new float[] {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -Float.MAX_VALUE};
        int checked = 0;
        for (int kh = 1; kh <= 5; kh++) {
            for (int kw = Math.max(1, kh - 1); kw <= Math.min(5, kh + 1); kw++) {
                for (int stride = 1; stride <= 3; stride++) {
                    for (int pad = 0; pad < Math.min(kh, kw) && pad <= 2; pad++) {
                        for (int[] hw : new int[][] {{kh, kw}, {7, 9}, {12, 11}, {9, 37}, {5, 40}}) {
                            PoolGeometry g = caffeGeometry(1 + rnd.nextInt(2), 1 + rnd.nextInt(3), hw[0], hw[1], kh,
                                    kw, stride, pad);
                            if (g == null) {
                                continue;
                            }
                            float[] in = new float[g.batch() * g.channels() * g.inH() * g.inW()];
                            for (int i = 0; i < in.length; i++) {
                                in[i] = rnd.nextInt(8) == 0 ? special[rnd.nextInt(special.length)]
                                        : training ? rnd.nextInt(4) - 2 : rnd.nextFloat() * 2 - 1;
                            }
                            float[] out = new float[g.batch() * g.channels() * g.outH() * g.outW()];
                            float[] mask = training ? new float[out.length] : null;
                            pooling.maxForward(g, in, out, mask);
                            assertWindowLoop(g, in, out, mask);
                            checked++;
                        }
                    }
                }
            }
        }
        return checked;
    }

    /**
     * The whole pooling at inference in vectors gives the plain kernel's bits, NaNs and signed zeros included, on
     * every Zoo geometry (batch 1 and 2) and padded, rounded-up ones.
     */
    @Test
    void vectorPoolingEqualsPlainPoolingBitForBit() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Simd.usable(), "the Vector API does not run here");
        Random rnd = new Random(11);
        CpuPooling plain = new CpuPooling(new Parallel(1), new JavaMaxRuns());
        CpuPooling vector = new CpuPooling(new Parallel(1), new VectorMaxRuns());
        int[][] zoo = {{55, 3, 2, 0}, {27, 3, 2, 0}, {13, 3, 2, 0}, {113, 3, 2, 0}, {56, 3, 2, 0}, {28, 3, 2, 0},
            {112, 3, 2, 0}, {14, 3, 2, 0}, {224, 2, 2, 0}, {112, 2, 2, 0}, {56, 2, 2, 0}, {28, 2, 2, 0},
            {14, 2, 2, 0}, {54, 3, 2, 0}, {26, 3, 2, 0}, {28, 3, 1, 1}, {7, 3, 1, 1}, {57, 3, 2, 1}, {33, 2, 2, 1},
            {41, 3, 1, 0}, {40, 2, 2, 0}};
        for (int batch = 1; batch <= 2; batch++) {
            for (int[] z : zoo) {
                PoolGeometry g = caffeGeometry(batch, 3, z[0], z[0] + batch - 1, z[1], z[1], z[2], z[3]);
                float[] in = withSpecials(rnd, g.batch() * g.channels() * g.inH() * g.inW());
                float[] a = new float[g.batch() * g.channels() * g.outH() * g.outW()];
                float[] b = new float[a.length];
                plain.maxForward(g, in, a, null);
                vector.maxForward(g, in, b, null);
                for (int i = 0; i < a.length; i++) {
                    assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), g + " at " + i);
                }
            }
        }
    }

    /**
     * AVE pooling whose window is the plane (global pooling; GoogLeNet's, ResNet-50's and NIN's last poolings), summed
     * several planes at a time, gives the window loop's bits: the same additions in the same order per plane. Plane
     * counts below, at and past a block of planes, one and two threads.
     */
    @Test
    void wholePlaneAverageMatchesWindowLoopBitForBit() {
        Random rnd = new Random(12);
        for (int threads : new int[] {1, 2}) {
            CpuPooling pooling = new CpuPooling(new Parallel(threads));
            for (int[] d : new int[][] {{1, 1, 1, 1}, {1, 3, 7, 7}, {1, 8, 6, 6}, {2, 9, 14, 14}, {1, 1000, 14, 14},
                {16, 21, 7, 7}, {1, 17, 3, 5}}) {
                PoolGeometry g = new PoolGeometry(d[0], d[1], d[2], d[3], d[2], d[3], 1, 1, 0, 0, 1, 1);
                float[] in = new float[d[0] * d[1] * d[2] * d[3]];
                for (int i = 0; i < in.length; i++) {
                    in[i] = (float) rnd.nextGaussian() * (1 + rnd.nextInt(1000));
                }
                float[] out = new float[d[0] * d[1]];
                pooling.aveForward(g, in, out);
                int n = d[2] * d[3];
                for (int plane = 0; plane < out.length; plane++) {
                    float sum = 0;
                    for (int h = 0; h < d[2]; h++) {
                        for (int w = 0; w < d[3]; w++) {
                            sum += in[plane * n + h * d[3] + w];
                        }
                    }
                    assertEquals(Float.floatToRawIntBits(sum / n), Float.floatToRawIntBits(out[plane]),
                            g + ": plane " + plane);
                }
            }
        }
    }

    /** The plain kernel, and the vector one where it runs. */
    private static MaxRuns[] kernels() {
        return Simd.usable() ? new MaxRuns[] {new JavaMaxRuns(), new VectorMaxRuns()} : new MaxRuns[] {new JavaMaxRuns()};
    }

    /** The geometry as PoolingLayer sizes it (Caffe's rounded-up rule), or null where the plane is below the kernel. */
    private static PoolGeometry caffeGeometry(int batch, int channels, int h, int w, int kh, int kw, int stride,
                                              int pad) {
        int outH = caffeSize(h, kh, stride, pad);
        int outW = caffeSize(w, kw, stride, pad);
        return outH < 1 || outW < 1 ? null
                : new PoolGeometry(batch, channels, h, w, kh, kw, stride, stride, pad, pad, outH, outW);
    }

    private static int caffeSize(int in, int kernel, int stride, int pad) {
        if (in + 2 * pad < kernel) {
            return 0;
        }
        int out = (in + 2 * pad - kernel + stride - 1) / stride + 1;
        return pad > 0 && (out - 1) * stride >= in + pad ? out - 1 : out;
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
                assertWindowLoop(g, in, out, mask);
            }
        }
    }

    /** Caffe's window loop (from -FLT_MAX, strict {@code >}): the maxima, and the argmax where a mask is given. */
    private static void assertWindowLoop(PoolGeometry g, float[] in, float[] out, float[] mask) {
        boolean withMask = mask != null;
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
