package org.cortado.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.cortado.backend.PoolGeometry;
import org.junit.jupiter.api.Test;

/**
 * MAX pooling at inference (no argmax mask, the separable path) against the window loop written out here, over
 * Caffe's rounded-up sizes with windows hanging past the edge, padding, and global pooling.
 */
class CpuPoolingTest {
    @Test
    void maxWithoutMaskMatchesWindowLoop() {
        Random rnd = new Random(5);
        // batch, channels, inH, inW, kernel, stride, pad, outH, outW (outH/outW as Caffe computes them).
        int[][] cases = {
            {2, 3, 111, 111, 3, 2, 0, 55, 55}, {1, 4, 13, 13, 3, 2, 0, 6, 6}, {3, 2, 7, 5, 2, 2, 1, 5, 4},
            {1, 5, 6, 6, 6, 1, 0, 1, 1}, {2, 1, 1, 1, 1, 1, 0, 1, 1}, {1, 2, 8, 9, 3, 3, 1, 4, 4},
        };
        for (int threads : new int[] {1, 2}) {
            CpuPooling pooling = new CpuPooling(new Parallel(threads));
            for (int[] d : cases) {
                PoolGeometry g = new PoolGeometry(d[0], d[1], d[2], d[3], d[4], d[4], d[5], d[5], d[6], d[6], d[7],
                        d[8]);
                float[] in = new float[g.batch() * g.channels() * g.inH() * g.inW()];
                for (int i = 0; i < in.length; i++) {
                    in[i] = rnd.nextFloat() * 2 - 1;
                }
                float[] out = new float[g.batch() * g.channels() * g.outH() * g.outW()];
                pooling.maxForward(g, in, out, null);
                for (int plane = 0; plane < g.batch() * g.channels(); plane++) {
                    for (int ph = 0; ph < g.outH(); ph++) {
                        for (int pw = 0; pw < g.outW(); pw++) {
                            float best = -Float.MAX_VALUE;
                            for (int h = Math.max(0, ph * g.strideH() - g.padH());
                                 h < Math.min(g.inH(), ph * g.strideH() - g.padH() + g.kernelH()); h++) {
                                for (int w = Math.max(0, pw * g.strideW() - g.padW());
                                     w < Math.min(g.inW(), pw * g.strideW() - g.padW() + g.kernelW()); w++) {
                                    best = Math.max(best, in[(plane * g.inH() + h) * g.inW() + w]);
                                }
                            }
                            assertEquals(best, out[(plane * g.outH() + ph) * g.outW() + pw],
                                    g + ": plane " + plane + " at " + ph + "," + pw);
                        }
                    }
                }
            }
        }
    }
}
