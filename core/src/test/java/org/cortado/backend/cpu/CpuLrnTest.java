package org.cortado.backend.cpu;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.cortado.backend.LrnParams;
import org.cortado.tensor.Shape;
import org.junit.jupiter.api.Test;

/**
 * The across-channels LRN forward pass (run in pixel runs, with a sqrt form for beta 0.75) against the formula in
 * double: {@code scale = k + alpha/size * sum of x^2 over the channel window}, {@code y = x * scale^-beta}.
 */
class CpuLrnTest {
    /** Relative error allowed: a few float roundings of the window sum and the power. */
    static final double RELATIVE_TOLERANCE = 2e-6;

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
