package org.cortado.backend.cpu;

import org.cortado.backend.PoolGeometry;

/**
 * MAX and AVE pooling with Caffe's window rules (pooling_layer.cpp): a window starts at {@code p*stride - pad};
 * MAX clips it to the input and starts from {@code -FLT_MAX} with a strict {@code >}, so the first maximum wins;
 * AVE divides by the window clipped to {@code [-pad, in + pad)}, so padding counts in the divisor but a window
 * hanging past the padded edge does not.
 */
final class CpuPooling {
    private final Parallel parallel;
    /** The column maxima of a window's rows, vectorised where the Vector API runs. */
    private final MaxRuns rows;

    CpuPooling(Parallel parallel) {
        this(parallel, MaxRuns.best());
    }

    CpuPooling(Parallel parallel, MaxRuns rows) {
        this.parallel = parallel;
        this.rows = rows;
    }

    /**
     * MAX pooling: per output row, the maximum over the window's input rows for every
     * column (unit stride), then over each window's columns, with {@code Math.max}: branch-free and vectorised,
     * where the window loop's {@code >} mispredicts on every other element of noisy data. Same maxima as the window
     * loop, except that a NaN in a window propagates (the window loop skips it) and +0 wins over -0.
     *
     * <p>With a {@code mask} (training), the argmax too, separably and with integer arithmetic and minima only: per
     * column, the first input index of the window's rows whose bits equal the column's maximum; per output, the
     * least of those indices over the columns whose maximum is the output. That is Caffe's first maximum in
     * row-major order (its strict {@code >}), except where a window holds both zeros (then the first +0) or a NaN
     * (then no index, and no gradient, where Caffe skips the NaN). A compare-and-branch per element, Caffe's loop,
     * mispredicts on noisy data and took SqueezeNet's pool1 in training 6 times as long as at inference
     * (bench/RESULTS.md).
     */
    void maxForward(PoolGeometry g, float[] in, float[] out, float[] mask) {
        if (mask == null && isSame3x3(g)) {
            sameSizeMax3x3(g, in, out);
            return;
        }
        int inH = g.inH();
        int inW = g.inW();
        int outH = g.outH();
        int outW = g.outW();
        int inPlane = inH * inW;
        int outPlane = outH * outW;
        boolean threeWide = g.kernelW() == 3 && g.padW() == 0 && inW >= 3;
        parallel.forRange(g.batch() * g.channels(), grain(g), (s, e) -> {
            float[] columnMax = new float[inW + MaxRuns.WINDOW_SLACK];
            int[] columnArg = mask == null ? null : new int[inW + MaxRuns.WINDOW_SLACK];
            for (int plane = s; plane < e; plane++) {
                int inBase = plane * inPlane;
                int outBase = plane * outPlane;
                for (int ph = 0; ph < outH; ph++) {
                    int hstart = ph * g.strideH() - g.padH();
                    int hend = Math.min(hstart + g.kernelH(), inH);
                    hstart = Math.max(hstart, 0);
                    if (hend - hstart == 3) {
                        // The common 3-high window in one pass (from -FLT_MAX, as Caffe, so that -inf never wins).
                        int r0 = inBase + hstart * inW;
                        rows.max3(in, r0, in, r0 + inW, in, r0 + 2 * inW, columnMax, inW);
                    } else {
                        java.util.Arrays.fill(columnMax, -Float.MAX_VALUE);
                        for (int h = hstart; h < hend; h++) {
                            rows.maxInto(in, inBase + h * inW, columnMax, inW);
                        }
                    }
                    if (mask != null) {
                        java.util.Arrays.fill(columnArg, Integer.MAX_VALUE);
                        for (int h = hstart; h < hend; h++) {
                            rows.argmaxInto(in, inBase + h * inW, columnMax, columnArg, h * inW, inW);
                        }
                    }
                    int o = outBase + ph * outW;
                    // The common 3-wide window (AlexNet, SqueezeNet) without a loop per output, vectorised for
                    // strides 1 and 2; the windows that hang past the edge take the loop below.
                    int whole = threeWide ? Math.min(outW, (inW - 3) / g.strideW() + 1) : 0;
                    rows.windowMax3(columnMax, g.strideW(), out, o, whole);
                    int pw = whole;
                    for (; pw < outW; pw++) {
                        int wstart = pw * g.strideW() - g.padW();
                        int wend = Math.min(wstart + g.kernelW(), inW);
                        wstart = Math.max(wstart, 0);
                        float best = -Float.MAX_VALUE;
                        for (int w = wstart; w < wend; w++) {
                            best = Math.max(best, columnMax[w]);
                        }
                        out[o + pw] = best;
                    }
                    if (mask != null) {
                        rows.windowArgmax3(columnMax, columnArg, g.strideW(), out, mask, o, whole);
                        for (pw = whole; pw < outW; pw++) {
                            int wstart = Math.max(pw * g.strideW() - g.padW(), 0);
                            int wend = Math.min(pw * g.strideW() - g.padW() + g.kernelW(), inW);
                            int best = Float.floatToRawIntBits(out[o + pw]);
                            int arg = Integer.MAX_VALUE;
                            for (int w = wstart; w < wend; w++) {
                                arg = Math.min(arg, JavaMaxRuns.candidate(columnMax[w], best, columnArg[w]));
                            }
                            mask[o + pw] = arg == Integer.MAX_VALUE ? -1 : arg;
                        }
                    }
                }
            }
        });
    }

    /** A 3x3 window at stride 1 with padding 1, which keeps the plane's size (GoogLeNet's inception branches). */
    private static boolean isSame3x3(PoolGeometry g) {
        return g.kernelH() == 3 && g.kernelW() == 3 && g.strideH() == 1 && g.strideW() == 1 && g.padH() == 1
                && g.padW() == 1 && g.outH() == g.inH() && g.outW() == g.inW();
    }

    /**
     * {@link #isSame3x3} pooling at inference a plane at a time, separably ({@link MaxRuns#max3x3Pad1}): the row
     * loop above takes a 3-wide window at padding 1 one output at a time (its vector windows need the window inside
     * the row), which made these poolings cost several times as much per output as a stride-2 one.
     */
    private void sameSizeMax3x3(PoolGeometry g, float[] in, float[] out) {
        int h = g.inH();
        int w = g.inW();
        int plane = h * w;
        parallel.forRange(g.batch() * g.channels(), grain(g), (s, e) -> {
            float[] rowMax = new float[(h + 2) * w + MaxRuns.WINDOW_SLACK];
            for (int p = s; p < e; p++) {
                rows.max3x3Pad1(in, p * plane, h, w, rowMax, out, p * plane);
            }
        });
    }

    /** {@code dinp} is overwritten. */
    void maxBackward(PoolGeometry g, float[] dout, float[] mask, float[] dinp) {
        int inPlane = g.inH() * g.inW();
        int outPlane = g.outH() * g.outW();
        parallel.forRange(g.batch() * g.channels(), grain(g), (s, e) -> {
            for (int plane = s; plane < e; plane++) {
                int inBase = plane * inPlane;
                int outBase = plane * outPlane;
                java.util.Arrays.fill(dinp, inBase, inBase + inPlane, 0f);
                for (int i = 0; i < outPlane; i++) {
                    int arg = (int) mask[outBase + i];
                    if (arg >= 0) {
                        dinp[inBase + arg] += dout[outBase + i];
                    }
                }
            }
        });
    }

    void aveForward(PoolGeometry g, float[] in, float[] out) {
        int inPlane = g.inH() * g.inW();
        int outPlane = g.outH() * g.outW();
        parallel.forRange(g.batch() * g.channels(), grain(g), (s, e) -> {
            for (int plane = s; plane < e; plane++) {
                int inBase = plane * inPlane;
                int outBase = plane * outPlane;
                for (int ph = 0; ph < g.outH(); ph++) {
                    for (int pw = 0; pw < g.outW(); pw++) {
                        int hstart = ph * g.strideH() - g.padH();
                        int wstart = pw * g.strideW() - g.padW();
                        int hend = Math.min(hstart + g.kernelH(), g.inH() + g.padH());
                        int wend = Math.min(wstart + g.kernelW(), g.inW() + g.padW());
                        int poolSize = (hend - hstart) * (wend - wstart);
                        hstart = Math.max(hstart, 0);
                        wstart = Math.max(wstart, 0);
                        hend = Math.min(hend, g.inH());
                        wend = Math.min(wend, g.inW());
                        float sum = 0;
                        for (int h = hstart; h < hend; h++) {
                            for (int w = wstart; w < wend; w++) {
                                sum += in[inBase + h * g.inW() + w];
                            }
                        }
                        out[outBase + ph * g.outW() + pw] = sum / poolSize;
                    }
                }
            }
        });
    }

    /** {@code dinp} is overwritten. */
    void aveBackward(PoolGeometry g, float[] dout, float[] dinp) {
        int inPlane = g.inH() * g.inW();
        int outPlane = g.outH() * g.outW();
        parallel.forRange(g.batch() * g.channels(), grain(g), (s, e) -> {
            for (int plane = s; plane < e; plane++) {
                int inBase = plane * inPlane;
                int outBase = plane * outPlane;
                java.util.Arrays.fill(dinp, inBase, inBase + inPlane, 0f);
                for (int ph = 0; ph < g.outH(); ph++) {
                    for (int pw = 0; pw < g.outW(); pw++) {
                        int hstart = ph * g.strideH() - g.padH();
                        int wstart = pw * g.strideW() - g.padW();
                        int hend = Math.min(hstart + g.kernelH(), g.inH() + g.padH());
                        int wend = Math.min(wstart + g.kernelW(), g.inW() + g.padW());
                        int poolSize = (hend - hstart) * (wend - wstart);
                        hstart = Math.max(hstart, 0);
                        wstart = Math.max(wstart, 0);
                        hend = Math.min(hend, g.inH());
                        wend = Math.min(wend, g.inW());
                        float grad = dout[outBase + ph * g.outW() + pw] / poolSize;
                        for (int h = hstart; h < hend; h++) {
                            for (int w = wstart; w < wend; w++) {
                                dinp[inBase + h * g.inW() + w] += grad;
                            }
                        }
                    }
                }
            }
        });
    }

    private static int grain(PoolGeometry g) {
        return Math.max(1, 4096 / Math.max(1, g.outH() * g.outW() * g.kernelH() * g.kernelW()));
    }
}
