package org.cortado.backend.cpu;

import org.cortado.backend.LrnParams;
import org.cortado.tensor.Shape;

/**
 * Local response normalisation, both of Caffe's regions (see {@link LrnParams} for the formulas). The backward
 * pass uses {@code d/dx_q = dout_q * s_q^-beta - (2 alpha beta / n) x_q * sum over windows p containing q of
 * dout_p * y_p / s_p}, with {@code n} the window's element count; windows are symmetric, so "p whose window
 * contains q" is "p in q's window".
 */
final class CpuLrn {
    /** Pixels per task of the across-channels forward pass. */
    static final int PIXEL_RUN = 1024;
    /**
     * Pixels per task of the across-channels backward pass, which keeps one {@code dout * y / s} per channel of the
     * run: 256 channels x 256 pixels = 256 KB, in L2.
     */
    static final int BACKWARD_PIXEL_RUN = 256;

    private final Parallel parallel;
    /** The loops of beta 0.75 (Caffe's AlexNet family), vectorised where the Vector API runs. */
    private final LrnRuns loops;

    CpuLrn(Parallel parallel) {
        this(parallel, LrnRuns.best());
    }

    CpuLrn(Parallel parallel, LrnRuns runs) {
        this.parallel = parallel;
        this.loops = runs;
    }

    void forward(LrnParams p, Shape shape, float[] in, float[] out, float[] scale) {
        int n = shape.dim(0);
        int c = shape.dim(1);
        int hw = shape.count(2, shape.rank());
        if (p.acrossChannels()) {
            float alphaOverSize = p.alpha() / p.size();
            int prePad = (p.size() - 1) / 2;
            // Runs of PIXEL_RUN pixels of one image: each channel's window sum and scale are then unit-stride loops
            // over the run (vectorised), with the run's channels in L2 instead of a stride of H*W per element.
            int runs = (hw + PIXEL_RUN - 1) / PIXEL_RUN;
            parallel.forRange(n * runs, Math.max(1, 16384 / Math.max(1, c * Math.min(hw, PIXEL_RUN))), (s, e) -> {
                float[] sum = new float[Math.min(hw, PIXEL_RUN)];
                for (int t = s; t < e; t++) {
                    int image = t / runs;
                    int p0 = (t % runs) * PIXEL_RUN;
                    int len = Math.min(PIXEL_RUN, hw - p0);
                    int base = image * c * hw + p0;
                    for (int ch = 0; ch < c; ch++) {
                        int lo = Math.max(0, ch - prePad);
                        int hi = Math.min(c - 1, ch + p.size() - prePad - 1);
                        if (p.beta() == 0.75f) {
                            loops.forward(in, base, hw, lo, hi, len, p.k(), alphaOverSize, out, scale, base + ch * hw);
                            continue;
                        }
                        java.util.Arrays.fill(sum, 0, len, 0f);
                        for (int q = lo; q <= hi; q++) {
                            int src = base + q * hw;
                            for (int i = 0; i < len; i++) {
                                float v = in[src + i];
                                sum[i] += v * v;
                            }
                        }
                        scaleRun(p, alphaOverSize, sum, len, in, out, scale, base + ch * hw);
                    }
                }
            });
        } else {
            int h = shape.dim(2);
            int w = hw / h;
            int pad = (p.size() - 1) / 2;
            float alphaOverArea = p.alpha() / (p.size() * p.size());
            parallel.forRange(n * c, 1, (s, e) -> {
                for (int plane = s; plane < e; plane++) {
                    int base = plane * hw;
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < w; x++) {
                            float sum = 0;
                            for (int yy = Math.max(0, y - pad); yy <= Math.min(h - 1, y + pad); yy++) {
                                for (int xx = Math.max(0, x - pad); xx <= Math.min(w - 1, x + pad); xx++) {
                                    float v = in[base + yy * w + xx];
                                    sum += v * v;
                                }
                            }
                            int i = base + y * w + x;
                            float sc = 1f + alphaOverArea * sum;
                            scale[i] = sc;
                            out[i] = in[i] * (float) Math.pow(sc, -p.beta());
                        }
                    }
                }
            });
        }
    }

    /**
     * {@code scale = k + alphaOverSize * sum}, {@code out = in * scale^-beta} over a run, for a beta other than 0.75
     * ({@link LrnRuns} takes that one as {@code in / sqrt(s * sqrt(s))}, within 3 float roundings of {@code pow}):
     * {@code Math.pow} per element, about 20 ns each.
     */
    private static void scaleRun(LrnParams p, float alphaOverSize, float[] sum, int len, float[] in, float[] out,
                                 float[] scale, int off) {
        float k = p.k();
        double negBeta = -p.beta();
        for (int i = 0; i < len; i++) {
            float sc = k + alphaOverSize * sum[i];
            scale[off + i] = sc;
            out[off + i] = in[off + i] * (float) Math.pow(sc, negBeta);
        }
    }

    /** {@code dinp = dout * s^-beta - factor * in * acc} over a run, for a beta other than 0.75 (see scaleRun). */
    private static void gradientRun(LrnParams p, float factor, float[] acc, int len, float[] in, float[] scale,
                                    float[] dout, float[] dinp, int off) {
        double negBeta = -p.beta();
        for (int i = 0; i < len; i++) {
            dinp[off + i] = dout[off + i] * (float) Math.pow(scale[off + i], negBeta) - factor * in[off + i] * acc[i];
        }
    }

    /** {@code dinp} is overwritten. */
    void backward(LrnParams p, Shape shape, float[] in, float[] out, float[] scale, float[] dout, float[] dinp) {
        int n = shape.dim(0);
        int c = shape.dim(1);
        int hw = shape.count(2, shape.rank());
        if (p.acrossChannels()) {
            float factor = 2f * p.alpha() * p.beta() / p.size();
            int prePad = (p.size() - 1) / 2;
            // As the forward pass: runs of pixels of one image, so that every loop is unit-stride over the run
            // (vectorised) instead of a stride of H*W per element: first each channel's dout * y / s, then per
            // channel the window sum of those and the gradient.
            int run = Math.min(hw, BACKWARD_PIXEL_RUN);
            int runs = (hw + run - 1) / run;
            parallel.forRange(n * runs, Math.max(1, 16384 / Math.max(1, c * run)), (s, e) -> {
                float[] ratio = new float[c * run];
                float[] acc = new float[run];
                for (int t = s; t < e; t++) {
                    int image = t / runs;
                    int p0 = (t % runs) * run;
                    int len = Math.min(run, hw - p0);
                    int base = image * c * hw + p0;
                    for (int q = 0; q < c; q++) {
                        loops.ratio(dout, out, scale, base + q * hw, len, ratio, q * run);
                    }
                    for (int ch = 0; ch < c; ch++) {
                        // Channel q's window holds ch exactly when ch's window (mirrored) holds q.
                        int lo = Math.max(0, ch - (p.size() - prePad - 1));
                        int hi = Math.min(c - 1, ch + prePad);
                        if (p.beta() == 0.75f) {
                            loops.backward(ratio, 0, run, lo, hi, len, factor, in, scale, dout, dinp, base + ch * hw);
                            continue;
                        }
                        java.util.Arrays.fill(acc, 0, len, 0f);
                        for (int q = lo; q <= hi; q++) {
                            int r = q * run;
                            for (int i = 0; i < len; i++) {
                                acc[i] += ratio[r + i];
                            }
                        }
                        gradientRun(p, factor, acc, len, in, scale, dout, dinp, base + ch * hw);
                    }
                }
            });
        } else {
            int h = shape.dim(2);
            int w = hw / h;
            int pad = (p.size() - 1) / 2;
            float factor = 2f * p.alpha() * p.beta() / (p.size() * p.size());
            parallel.forRange(n * c, 1, (s, e) -> {
                for (int plane = s; plane < e; plane++) {
                    int base = plane * hw;
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < w; x++) {
                            float acc = 0;
                            for (int yy = Math.max(0, y - pad); yy <= Math.min(h - 1, y + pad); yy++) {
                                for (int xx = Math.max(0, x - pad); xx <= Math.min(w - 1, x + pad); xx++) {
                                    int j = base + yy * w + xx;
                                    acc += dout[j] * out[j] / scale[j];
                                }
                            }
                            int i = base + y * w + x;
                            dinp[i] = dout[i] * (float) Math.pow(scale[i], -p.beta()) - factor * in[i] * acc;
                        }
                    }
                }
            });
        }
    }
}
