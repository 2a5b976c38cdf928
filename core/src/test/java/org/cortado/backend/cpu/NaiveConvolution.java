package org.cortado.backend.cpu;

import org.cortado.backend.ConvGeometry;

/**
 * The convolution written as its definition, seven nested loops accumulating in double: the oracle the fast
 * paths are checked against. Backward passes are the same loops with the roles of the arrays exchanged.
 */
final class NaiveConvolution {
    private NaiveConvolution() {
    }

    /** {@code output (N, K, outH, outW)} from {@code input (N, C, H, W)}, {@code weight (K, C/g, kh, kw)}. */
    static double[] forward(ConvGeometry g, float[] input, float[] weight, float[] bias) {
        double[] out = new double[g.batch() * g.outChannels() * g.outH() * g.outW()];
        int kg = g.outChannelsPerGroup();
        int cg = g.inChannelsPerGroup();
        for (int n = 0; n < g.batch(); n++) {
            for (int k = 0; k < g.outChannels(); k++) {
                int grp = k / kg;
                for (int oy = 0; oy < g.outH(); oy++) {
                    for (int ox = 0; ox < g.outW(); ox++) {
                        double sum = bias == null ? 0 : bias[k];
                        for (int c = 0; c < cg; c++) {
                            for (int ky = 0; ky < g.kernelH(); ky++) {
                                for (int kx = 0; kx < g.kernelW(); kx++) {
                                    int iy = oy * g.strideH() - g.padH() + ky * g.dilationH();
                                    int ix = ox * g.strideW() - g.padW() + kx * g.dilationW();
                                    if (iy < 0 || iy >= g.inH() || ix < 0 || ix >= g.inW()) {
                                        continue;
                                    }
                                    sum += (double) input[inIndex(g, n, grp * cg + c, iy, ix)]
                                            * weight[weightIndex(g, k, c, ky, kx)];
                                }
                            }
                        }
                        out[outIndex(g, n, k, oy, ox)] = sum;
                    }
                }
            }
        }
        return out;
    }

    /** {@code dinp} and {@code dweight} for a given {@code dout}: result {0: dinp, 1: dweight}. */
    static double[][] backward(ConvGeometry g, float[] input, float[] weight, float[] dout) {
        double[] dinp = new double[g.batch() * g.inChannels() * g.inH() * g.inW()];
        double[] dweight = new double[g.outChannels() * g.patchSize()];
        int kg = g.outChannelsPerGroup();
        int cg = g.inChannelsPerGroup();
        for (int n = 0; n < g.batch(); n++) {
            for (int k = 0; k < g.outChannels(); k++) {
                int grp = k / kg;
                for (int oy = 0; oy < g.outH(); oy++) {
                    for (int ox = 0; ox < g.outW(); ox++) {
                        double d = dout[outIndex(g, n, k, oy, ox)];
                        for (int c = 0; c < cg; c++) {
                            for (int ky = 0; ky < g.kernelH(); ky++) {
                                for (int kx = 0; kx < g.kernelW(); kx++) {
                                    int iy = oy * g.strideH() - g.padH() + ky * g.dilationH();
                                    int ix = ox * g.strideW() - g.padW() + kx * g.dilationW();
                                    if (iy < 0 || iy >= g.inH() || ix < 0 || ix >= g.inW()) {
                                        continue;
                                    }
                                    int in = inIndex(g, n, grp * cg + c, iy, ix);
                                    int w = weightIndex(g, k, c, ky, kx);
                                    dinp[in] += d * weight[w];
                                    dweight[w] += d * input[in];
                                }
                            }
                        }
                    }
                }
            }
        }
        return new double[][] {dinp, dweight};
    }

    static int inIndex(ConvGeometry g, int n, int c, int y, int x) {
        return ((n * g.inChannels() + c) * g.inH() + y) * g.inW() + x;
    }

    static int outIndex(ConvGeometry g, int n, int k, int y, int x) {
        return ((n * g.outChannels() + k) * g.outH() + y) * g.outW() + x;
    }

    static int weightIndex(ConvGeometry g, int k, int c, int ky, int kx) {
        return ((k * g.inChannelsPerGroup() + c) * g.kernelH() + ky) * g.kernelW() + kx;
    }
}
