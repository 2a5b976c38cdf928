package org.cortado.backend.cpu;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.cortado.backend.LrnParams;
import org.cortado.tensor.Shape;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The across-channels LRN forward and backward passes (run in pixel runs, with a sqrt form for beta 0.75) against
 * the formulas in double: {@code scale = k + alpha/size * sum of x^2 over the channel window},
 * {@code y = x * scale^-beta}, and the gradient below.
 */
class CpuLrnTest {
    /** Relative error allowed: a few float roundings of the window sum and the power. */
    static final double RELATIVE_TOLERANCE = 2e-6;
    /**
     * Relative error of a backward value, against the sum of its two terms' magnitudes: about ten float roundings
     * (the ratio, the window sum, the root form of the power, the products and the difference).
     */
    static final double BACKWARD_RELATIVE_TOLERANCE = 1e-5;

    @Test
    void acrossChannelsMatchesFormula() {
        Random rnd = new Random(3);
        // Planes smaller and larger than a pixel run (1024), odd channel counts, both AlexNet's beta and another.
        int[][] shapes = {{1, 1, 1, 1}, {2, 7, 5, 3}, {2, 13, 40, 30}, {1, 96, 55, 55}};
        LrnParams[] params = {new LrnParams(true, 5, 1e-4f, 0.75f, 1f), new LrnParams(true, 3, 2e-3f, 0.6f, 2f)};
        for (int[] d : shapes) {
            for (LrnParams p : params) {
                for (int threads : new int[] {1, 2}) {
                    check(new CpuLrn(new Parallel(threads)), Shape.of(d), p, rnd);
                }
            }
        }
    }

    /**
     * The across-channels backward pass (pixel runs of {@link CpuLrn#BACKWARD_PIXEL_RUN}, planes smaller and larger)
     * against {@code dout_q * s_q^-beta - (2 alpha beta / size) x_q * sum over p in q's window of dout_p y_p / s_p}
     * in double, on the forward pass's own y and s.
     */
    @Test
    void acrossChannelsBackwardMatchesFormula() {
        Random rnd = new Random(4);
        int[][] shapes = {{1, 1, 1, 1}, {2, 7, 5, 3}, {2, 13, 40, 30}, {1, 96, 27, 27}};
        LrnParams[] params = {new LrnParams(true, 5, 1e-4f, 0.75f, 1f), new LrnParams(true, 3, 2e-3f, 0.6f, 2f)};
        for (int[] d : shapes) {
            for (LrnParams p : params) {
                for (int threads : new int[] {1, 2}) {
                    checkBackward(new CpuLrn(new Parallel(threads)), Shape.of(d), p, rnd);
                }
            }
        }
    }

    /** The Vector API loops give the plain loops' bits, forward and backward, runs with and without a tail. */
    @Test
    void vectorLoopsEqualThePlainLoopsBitForBit() {
        Assumptions.assumeTrue(Simd.usable(), "the Vector API does not run here");
        Random rnd = new Random(5);
        LrnParams p = new LrnParams(true, 5, 1e-4f, 0.75f, 1f);
        for (int[] d : new int[][] {{1, 3, 1, 1}, {2, 13, 40, 30}, {1, 96, 55, 55}, {3, 256, 13, 13}}) {
            Shape shape = Shape.of(d);
            float[] in = new float[shape.count()];
            float[] dout = new float[shape.count()];
            for (int i = 0; i < in.length; i++) {
                in[i] = (float) (rnd.nextGaussian() * 60);
                dout[i] = (float) rnd.nextGaussian();
            }
            float[][] results = new float[2][];
            LrnRuns[] impls = {new JavaLrnRuns(), new VectorLrnRuns()};
            for (int k = 0; k < 2; k++) {
                CpuLrn lrn = new CpuLrn(new Parallel(2), impls[k]);
                float[] out = new float[in.length];
                float[] scale = new float[in.length];
                float[] dinp = new float[in.length];
                lrn.forward(p, shape, in, out, scale);
                lrn.backward(p, shape, in, out, scale, dout, dinp);
                float[] all = new float[3 * in.length];
                System.arraycopy(out, 0, all, 0, in.length);
                System.arraycopy(scale, 0, all, in.length, in.length);
                System.arraycopy(dinp, 0, all, 2 * in.length, in.length);
                results[k] = all;
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(results[0], results[1], 0f, shape.toString());
        }
    }

    private static void checkBackward(CpuLrn lrn, Shape shape, LrnParams p, Random rnd) {
        int c = shape.dim(1);
        int hw = shape.dim(2) * shape.dim(3);
        float[] in = new float[shape.count()];
        float[] dout = new float[in.length];
        for (int i = 0; i < in.length; i++) {
            in[i] = (rnd.nextFloat() * 2 - 1) * 200f;
            dout[i] = rnd.nextFloat() * 2 - 1;
        }
        float[] out = new float[in.length];
        float[] scale = new float[in.length];
        lrn.forward(p, shape, in, out, scale);
        float[] dinp = new float[in.length];
        lrn.backward(p, shape, in, out, scale, dout, dinp);
        int pre = (p.size() - 1) / 2;
        double factor = 2.0 * p.alpha() * p.beta() / p.size();
        for (int img = 0; img < shape.dim(0); img++) {
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < hw; i++) {
                    double acc = 0;
                    for (int q = Math.max(0, ch - (p.size() - pre - 1)); q <= Math.min(c - 1, ch + pre); q++) {
                        int j = (img * c + q) * hw + i;
                        acc += (double) dout[j] * out[j] / scale[j];
                    }
                    int at = (img * c + ch) * hw + i;
                    double direct = dout[at] * Math.pow(scale[at], -p.beta());
                    double cross = factor * in[at] * acc;
                    double expected = direct - cross;
                    double bound = BACKWARD_RELATIVE_TOLERANCE * (Math.abs(direct) + Math.abs(cross)) + 1e-30;
                    if (Math.abs(dinp[at] - expected) > bound) {
                        fail(shape + " " + p + ": at " + at + " dinp " + dinp[at] + " vs " + expected);
                    }
                }
            }
        }
    }

    private static void check(CpuLrn lrn, Shape shape, LrnParams p, Random rnd) {
        int n = shape.dim(0);
        int c = shape.dim(1);
        int hw = shape.dim(2) * shape.dim(3);
        float[] in = new float[shape.count()];
        for (int i = 0; i < in.length; i++) {
            in[i] = (rnd.nextFloat() * 2 - 1) * 200f;
        }
        float[] out = new float[in.length];
        float[] scale = new float[in.length];
        lrn.forward(p, shape, in, out, scale);
        int pre = (p.size() - 1) / 2;
        for (int img = 0; img < n; img++) {
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < hw; i++) {
                    double sum = 0;
                    for (int q = Math.max(0, ch - pre); q <= Math.min(c - 1, ch + p.size() - pre - 1); q++) {
                        double v = in[(img * c + q) * hw + i];
                        sum += v * v;
                    }
                    int at = (img * c + ch) * hw + i;
                    double sc = p.k() + p.alpha() / p.size() * sum;
                    double y = in[at] * Math.pow(sc, -p.beta());
                    if (Math.abs(scale[at] - sc) > RELATIVE_TOLERANCE * sc
                            || Math.abs(out[at] - y) > RELATIVE_TOLERANCE * Math.abs(y) + 1e-30) {
                        fail(shape + " " + p + ": at " + at + " scale " + scale[at] + " vs " + sc + ", out "
                                + out[at] + " vs " + y);
                    }
                }
            }
        }
    }
}
