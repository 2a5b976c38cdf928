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
     * MAX pooling: per output row, the maximum over the window's input rows for every column (unit stride), then
     * over each window's columns, with {@code Math.max}: branch-free and vectorised, where the window loop's
     * {@code >} mispredicts on every other element of noisy data. Same maxima as the window loop, except that a NaN
     * in a window propagates (the window loop skips it) and +0 wins over -0.
     *
     * <p>With a {@code mask} (training), the argmax too, separably and with integer arithmetic and minima only: per
     * column, the first input index of the window's rows whose bits equal the column's maximum; per output, the
     * least of those indices over the columns whose maximum is the output. That is Caffe's first maximum in
     * row-major order (its strict {@code >}), except where a window holds both zeros (then the first +0), a NaN
     * (then no index, and no gradient, where Caffe skips the NaN), or has -FLT_MAX for its maximum (then that input,
     * where Caffe, starting from -FLT_MAX, names none). A compare-and-branch per element, Caffe's loop,
     * mispredicts on noisy data and took SqueezeNet's pool1 in training 6 times as long as at inference
     * (bench/RESULTS.md).
     */
    void maxForward(PoolGeometry g, float[] in, float[] out, float[] mask) {
        if (mask != null) {
            maskedMax(g, in, out, mask);
        } else if (isSame3x3(g)) {
            sameSizeMax3x3(g, in, out);
        } else {
            separableMax(g, in, out);
        }
    }

    /**
     * Inference: per output row, the column maxima of the window's rows ({@link #columnMaxima}), then the windows
     * that lie inside the row, 2 or 3 wide, in vectors; the windows that the padding or Caffe's partial last window
     * clip, one at a time.
     */
    private void separableMax(PoolGeometry g, float[] in, float[] out) {
        int inW = g.inW();
        int outW = g.outW();
        int outH = g.outH();
        int kw = g.kernelW();
        int sw = g.strideW();
        Inner inner = Inner.of(g, kw == 2 || kw == 3);
        // Bounds in locals and the edge loops skipped where empty: reading them from the record and calling the empty
        // loops per row made AlexNet's and SqueezeNet's 3x3/2 poolings 30-60% slower (bench/RESULTS.md).
        int first = inner.first;
        int end = inner.end;
        int c0 = inner.c0;
        parallel.forRange(g.batch() * g.channels(), grain(g), (s, e) -> {
            float[] columnMax = new float[inW + MaxRuns.WINDOW_SLACK];
            for (int plane = s; plane < e; plane++) {
                for (int ph = 0; ph < outH; ph++) {
                    int o = (plane * outH + ph) * outW;
                    if (!columnMaxima(g, in, plane, ph, columnMax)) {
                        java.util.Arrays.fill(out, o, o + outW, -Float.MAX_VALUE);
                        continue;
                    }
                    if (kw == 3) {
                        rows.windowMax3(columnMax, c0, sw, out, o + first, end - first);
                    } else if (kw == 2) {
                        rows.windowMax2(columnMax, c0, sw, out, o + first, end - first);
                    }
                    if (first > 0) {
                        clippedWindows(g, columnMax, out, o, 0, first);
                    }
                    if (end < outW) {
                        clippedWindows(g, columnMax, out, o, end, outW);
                    }
                }
            }
        });
    }

    /**
     * The windows of a row that lie inside it, {@code [first, end)}, the first starting at column {@code c0}
     * (padding puts the first windows partly outside, Caffe's rounding up the last); empty unless {@code vectors}.
     */
    private record Inner(int first, int end, int c0) {
        static Inner of(PoolGeometry g, boolean vectors) {
            int sw = g.strideW();
            int pad = g.padW();
            int first = vectors ? Math.min(g.outW(), (pad + sw - 1) / sw) : 0;
            int last = g.inW() + pad - g.kernelW();
            int end = vectors && last >= 0 ? Math.max(first, Math.min(g.outW(), last / sw + 1)) : first;
            return new Inner(first, end, first * sw - pad);
        }
    }

    /**
     * The column maxima of output row {@code ph}'s window rows, clipped to the plane, from -FLT_MAX as Caffe (so
     * that -inf never wins); where the window is at most 3 high in one pass, a clipped window repeating its last row
     * (max is idempotent). False where the window lies wholly in the padding: Caffe's size rule makes such a row
     * where the stride passes the kernel less the padding.
     */
    private boolean columnMaxima(PoolGeometry g, float[] in, int plane, int ph, float[] columnMax) {
        int inW = g.inW();
        int base = plane * g.inH() * inW;
        int hstart = ph * g.strideH() - g.padH();
        int hend = Math.min(hstart + g.kernelH(), g.inH());
        hstart = Math.max(hstart, 0);
        if (hend <= hstart) {
            return false;
        }
        if (g.kernelH() <= 3) {
            rows.max3(in, base + hstart * inW, in, base + Math.min(hstart + 1, hend - 1) * inW,
                    in, base + Math.min(hstart + 2, hend - 1) * inW, columnMax, inW);
        } else {
            java.util.Arrays.fill(columnMax, -Float.MAX_VALUE);
            for (int h = hstart; h < hend; h++) {
                rows.maxInto(in, base + h * inW, columnMax, inW);
            }
        }
        return true;
    }

    /** The windows {@code [from, to)} of a row of column maxima, clipped to the row, one at a time. */
    private static void clippedWindows(PoolGeometry g, float[] columnMax, float[] out, int o, int from, int to) {
        for (int pw = from; pw < to; pw++) {
            int wstart = pw * g.strideW() - g.padW();
            int wend = Math.min(wstart + g.kernelW(), g.inW());
            float best = -Float.MAX_VALUE;
            for (int w = Math.max(wstart, 0); w < wend; w++) {
                best = Math.max(best, columnMax[w]);
            }
            out[o + pw] = best;
        }
    }

    /**
     * Training: {@link #maxForward} with the argmax; the 3-wide windows inside the row (AlexNet's, SqueezeNet's,
     * GoogLeNet's padded stride-1 ones) in vectors, the others one at a time.
     */
    private void maskedMax(PoolGeometry g, float[] in, float[] out, float[] mask) {
        int inW = g.inW();
        int outW = g.outW();
        int sw = g.strideW();
        Inner inner = Inner.of(g, g.kernelW() == 3);
        int first = inner.first;
        int end = inner.end;
        int c0 = inner.c0;
        parallel.forRange(g.batch() * g.channels(), grain(g), (s, e) -> {
            float[] columnMax = new float[inW + MaxRuns.WINDOW_SLACK];
            int[] columnArg = new int[inW + MaxRuns.WINDOW_SLACK];
            for (int plane = s; plane < e; plane++) {
                for (int ph = 0; ph < g.outH(); ph++) {
                    int o = (plane * g.outH() + ph) * outW;
                    java.util.Arrays.fill(columnArg, Integer.MAX_VALUE);
                    if (columnMaxima(g, in, plane, ph, columnMax)) {
                        int hstart = Math.max(ph * g.strideH() - g.padH(), 0);
                        int hend = Math.min(ph * g.strideH() - g.padH() + g.kernelH(), g.inH());
                        for (int h = hstart; h < hend; h++) {
                            rows.argmaxInto(in, (plane * g.inH() + h) * inW, columnMax, columnArg, h * inW, inW);
                        }
                    } else {
                        java.util.Arrays.fill(columnMax, -Float.MAX_VALUE);
                    }
                    rows.windowMax3(columnMax, c0, sw, out, o + first, end - first);
                    rows.windowArgmax3(columnMax, columnArg, c0, sw, out, mask, o + first, end - first);
                    if (first > 0) {
                        clippedArgmax(g, columnMax, columnArg, out, mask, o, 0, first);
                    }
                    if (end < outW) {
                        clippedArgmax(g, columnMax, columnArg, out, mask, o, end, outW);
                    }
                }
            }
        });
    }

    /** {@link #clippedWindows} with their argmax, the least index among the columns that hold the maximum. */
    private static void clippedArgmax(PoolGeometry g, float[] columnMax, int[] columnArg, float[] out, float[] mask,
                                      int o, int from, int to) {
        clippedWindows(g, columnMax, out, o, from, to);
        for (int pw = from; pw < to; pw++) {
            int wstart = pw * g.strideW() - g.padW();
            int wend = Math.min(wstart + g.kernelW(), g.inW());
            int best = Float.floatToRawIntBits(out[o + pw]);
            int arg = Integer.MAX_VALUE;
            for (int w = Math.max(wstart, 0); w < wend; w++) {
                arg = Math.min(arg, JavaMaxRuns.candidate(columnMax[w], best, columnArg[w]));
            }
            mask[o + pw] = arg == Integer.MAX_VALUE ? -1 : arg;
        }
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
        if (g.padH() == 0 && g.padW() == 0 && g.kernelH() == g.inH() && g.kernelW() == g.inW()) {
            planeMeans(g, in, out);
            return;
        }
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

    /**
     * AVE pooling whose one window is the plane (global pooling, and GoogLeNet's, ResNet-50's and NIN's last
     * poolings): each plane's sum in the window loop's order, so the same bits, but {@link #PLANES} planes at a time,
     * as a single sum waits on each addition before the next (4 cycles) where independent ones overlap.
     */
    private void planeMeans(PoolGeometry g, float[] in, float[] out) {
        int n = g.inH() * g.inW();
        parallel.forRange(g.batch() * g.channels(), grain(g), (s, e) -> {
            int p = s;
            for (; p + PLANES <= e; p += PLANES) {
                int b = p * n;
                float s0 = 0;
                float s1 = 0;
                float s2 = 0;
                float s3 = 0;
                float s4 = 0;
                float s5 = 0;
                float s6 = 0;
                float s7 = 0;
                for (int i = b; i < b + n; i++) {
                    s0 += in[i];
                    s1 += in[i + n];
                    s2 += in[i + 2 * n];
                    s3 += in[i + 3 * n];
                    s4 += in[i + 4 * n];
                    s5 += in[i + 5 * n];
                    s6 += in[i + 6 * n];
                    s7 += in[i + 7 * n];
                }
                out[p] = s0 / n;
                out[p + 1] = s1 / n;
                out[p + 2] = s2 / n;
                out[p + 3] = s3 / n;
                out[p + 4] = s4 / n;
                out[p + 5] = s5 / n;
                out[p + 6] = s6 / n;
                out[p + 7] = s7 / n;
            }
            for (; p < e; p++) {
                float sum = 0;
                for (int i = p * n; i < (p + 1) * n; i++) {
                    sum += in[i];
                }
                out[p] = sum / n;
            }
        });
    }

    /** Planes that {@link #planeMeans} sums at once. */
    private static final int PLANES = 8;

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
