package org.cortado.backend.cpu;

import org.cortado.backend.ConvGeometry;

/**
 * 3x3 stride-1 convolutions by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, 2015): each 2x2 block
 * of output comes from a 4x4 tile of input as {@code Y = A^T [(G g G^T) . (B^T d B)] A}, which takes 16
 * multiplications instead of 36. Gathered over channels, the 16 elementwise products become 16 matrix products
 * {@code M_xi (K x T) = U_xi (K x C) * V_xi (C x T)}, one per position xi of the 4x4 tile, over the T tiles of a
 * chunk of images: 2.25 times fewer FLOPs than im2col + GEMM, plus transforms that are linear in the data.
 *
 * <p>The transforms only add, subtract and halve, so the result stays within a few float roundings of the direct
 * sum. Chunks of images are processed one after the other; inside a chunk the input transform is split over
 * channels, the 16 products over the threads, and the output transform over output channels.
 */
final class CpuWinograd {
    /** Tiles per chunk, aimed at: enough columns for efficient products, few enough that V and M fit in L3. */
    static final int TILES_PER_CHUNK = 512;
    /** Positions of the 4x4 transformed tile. */
    private static final int XI = 16;

    private final Parallel parallel;
    private final Gemm gemm;
    /** The transformed, packed weights, kept while the weights are unchanged. */
    private final DerivedWeights derived;
    /** Per calling thread: the chunk's V and M. */
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        float[] v = new float[0];
        float[] m = new float[0];
    }

    /** What the transformed weights depend on besides the weights' values. */
    private record Layout(int group, int kg, int cg) {
    }

    CpuWinograd(Parallel parallel, Gemm gemm) {
        this(parallel, gemm, new DerivedWeights());
    }

    CpuWinograd(Parallel parallel, Gemm gemm, DerivedWeights derived) {
        this.parallel = parallel;
        this.gemm = gemm;
        this.derived = derived;
    }

    /**
     * Input and output channels per group from which the saved multiplications outweigh the transforms (the input
     * transform is spread over the output channels, the output transform over the input channels). Measured per
     * layer (batch 16, one thread, CPU time, Winograd vs im2col): AlexNet conv3-5 (256, 192, 192 channels in, 384,
     * 192, 128 out, at 13x13) 10-20% faster; SqueezeNet's 3x3 expands (16 to 64 channels in) 1.0 to 2.6 times
     * slower; fire4's data gradient run as a forward pass (128 channels in, 32 out; batch 16, 2 threads) 52 ms
     * against 23 ms on shifted rows.
     */
    static final int MIN_CHANNELS = 128;

    /** Whether {@link #forward} applies: 3x3 kernel, stride 1, no dilation, enough channels in and out. */
    static boolean applies(ConvGeometry g) {
        return g.kernelH() == 3 && g.kernelW() == 3 && g.strideH() == 1 && g.strideW() == 1 && g.dilationH() == 1
                && g.dilationW() == 1 && g.inChannelsPerGroup() >= MIN_CHANNELS
                && g.outChannelsPerGroup() >= MIN_CHANNELS;
    }

    /** As {@link CpuConvolution#forward}: the ReLU, with {@code relu}, in the output transform. Modified: output. */
    void forward(ConvGeometry g, float[] input, float[] weight, float[] bias, float[] output, boolean relu,
                 int outputChannels, int channelOffset) {
        int kg = g.outChannelsPerGroup();
        int cg = g.inChannelsPerGroup();
        int tilesH = (g.outH() + 1) / 2;
        int tilesW = (g.outW() + 1) / 2;
        int tilesPerImage = tilesH * tilesW;
        int imagesPerChunk = Math.max(1, Math.min(g.batch(), TILES_PER_CHUNK / tilesPerImage));
        int maxT = imagesPerChunk * tilesPerImage;
        Scratch s = scratch.get();
        if (s.v.length < XI * cg * maxT) {
            s.v = new float[XI * cg * maxT];
        }
        if (s.m.length < XI * kg * maxT) {
            s.m = new float[XI * kg * maxT];
        }
        Gemm.PackedA[][] u = derived.get(weight, 0, g.outChannels() * cg * 9, new Layout(g.group(), kg, cg),
                () -> transformWeights(g, weight));
        float[] v = s.v;
        float[] m = s.m;
        for (int n0 = 0; n0 < g.batch(); n0 += imagesPerChunk) {
            int images = Math.min(imagesPerChunk, g.batch() - n0);
            int t = images * tilesPerImage;
            int first = n0;
            for (int grp = 0; grp < g.group(); grp++) {
                int c0 = grp * cg;
                int k0 = grp * kg;
                Gemm.PackedA[] ug = u[grp];
                parallel.forRange(cg, Math.max(1, 64 / Math.max(1, t / 64)), (cs, ce) ->
                        transformInput(g, input, first, images, c0, cs, ce, t, v));
                parallel.forRange(XI, 1, (xs, xe) -> {
                    for (int xi = xs; xi < xe; xi++) {
                        gemm.gemm(ug[xi], false, t, v, xi * cg * t, 0f, m, xi * kg * t, false);
                    }
                });
                parallel.forRange(kg, Math.max(1, 64 / Math.max(1, t / 64)), (ks, ke) ->
                        transformOutput(g, m, first, images, k0, ks, ke, t, bias, output, relu, outputChannels,
                                channelOffset));
            }
        }
    }

    /** {@code U = G g G^T} for every (output, input) channel pair, packed per group and position xi. */
    private Gemm.PackedA[][] transformWeights(ConvGeometry g, float[] weight) {
        int kg = g.outChannelsPerGroup();
        int cg = g.inChannelsPerGroup();
        int perXi = kg * cg;
        float[] u = new float[XI * perXi];
        int packedSize = gemm.packedSize(kg, cg);
        Gemm.PackedA[][] out = new Gemm.PackedA[g.group()][XI];
        for (int grp = 0; grp < g.group(); grp++) {
            int wBase = grp * kg * cg * 9;
            parallel.forRange(kg, 8, (ks, ke) -> {
                float[] tmp = new float[12];
                for (int k = ks; k < ke; k++) {
                    for (int c = 0; c < cg; c++) {
                        int w = wBase + (k * cg + c) * 9;
                        // tmp = G g (4x3), row by row.
                        for (int j = 0; j < 3; j++) {
                            float g0 = weight[w + j];
                            float g1 = weight[w + 3 + j];
                            float g2 = weight[w + 6 + j];
                            tmp[j] = g0;
                            tmp[3 + j] = 0.5f * (g0 + g1 + g2);
                            tmp[6 + j] = 0.5f * (g0 - g1 + g2);
                            tmp[9 + j] = g2;
                        }
                        int at = k * cg + c;
                        for (int i = 0; i < 4; i++) {
                            float t0 = tmp[3 * i];
                            float t1 = tmp[3 * i + 1];
                            float t2 = tmp[3 * i + 2];
                            u[(4 * i) * perXi + at] = t0;
                            u[(4 * i + 1) * perXi + at] = 0.5f * (t0 + t1 + t2);
                            u[(4 * i + 2) * perXi + at] = 0.5f * (t0 - t1 + t2);
                            u[(4 * i + 3) * perXi + at] = t2;
                        }
                    }
                }
            });
            for (int xi = 0; xi < XI; xi++) {
                out[grp][xi] = gemm.pack(false, kg, cg, 1f, u, xi * perXi, new float[packedSize], true);
            }
        }
        return out;
    }

    /**
     * {@code V_xi[c, tile] = (B^T d B)_xi} for channels {@code [cs, ce)} of the group starting at c0, for the tiles
     * of {@code images} images from {@code n0}; taps outside the input read zero (the padding).
     */
    private static void transformInput(ConvGeometry g, float[] input, int n0, int images, int c0, int cs, int ce,
                                       int t, float[] v) {
        int inH = g.inH();
        int inW = g.inW();
        int tilesH = (g.outH() + 1) / 2;
        int tilesW = (g.outW() + 1) / 2;
        int cg = g.inChannelsPerGroup();
        int plane = inH * inW;
        float[] d = new float[16];
        for (int c = cs; c < ce; c++) {
            int col = c * t;
            for (int img = 0; img < images; img++) {
                int src = ((n0 + img) * g.inChannels() + c0 + c) * plane;
                for (int ty = 0; ty < tilesH; ty++) {
                    int y0 = 2 * ty - g.padH();
                    for (int tx = 0; tx < tilesW; tx++, col++) {
                        int x0 = 2 * tx - g.padW();
                        if (y0 >= 0 && x0 >= 0 && y0 + 4 <= inH && x0 + 4 <= inW) {
                            for (int i = 0; i < 4; i++) {
                                int row = src + (y0 + i) * inW + x0;
                                d[4 * i] = input[row];
                                d[4 * i + 1] = input[row + 1];
                                d[4 * i + 2] = input[row + 2];
                                d[4 * i + 3] = input[row + 3];
                            }
                        } else {
                            for (int i = 0; i < 4; i++) {
                                int y = y0 + i;
                                for (int j = 0; j < 4; j++) {
                                    int x = x0 + j;
                                    d[4 * i + j] = y >= 0 && y < inH && x >= 0 && x < inW
                                            ? input[src + y * inW + x] : 0f;
                                }
                            }
                        }
                        // B^T d (rows), then (.) B (columns).
                        for (int j = 0; j < 4; j++) {
                            float d0 = d[j];
                            float d1 = d[4 + j];
                            float d2 = d[8 + j];
                            float d3 = d[12 + j];
                            d[j] = d0 - d2;
                            d[4 + j] = d1 + d2;
                            d[8 + j] = d2 - d1;
                            d[12 + j] = d1 - d3;
                        }
                        int stride = cg * t;
                        for (int i = 0; i < 4; i++) {
                            float e0 = d[4 * i];
                            float e1 = d[4 * i + 1];
                            float e2 = d[4 * i + 2];
                            float e3 = d[4 * i + 3];
                            int at = 4 * i * stride + col;
                            v[at] = e0 - e2;
                            v[at + stride] = e1 + e2;
                            v[at + 2 * stride] = e2 - e1;
                            v[at + 3 * stride] = e1 - e3;
                        }
                    }
                }
            }
        }
    }

    /**
     * {@code Y = A^T m A} plus bias for output channels {@code [ks, ke)} of the group starting at k0, clamped at zero
     * with {@code relu}, into channel {@code channelOffset + k0 + k} of an output of {@code outputChannels} channels.
     */
    private static void transformOutput(ConvGeometry g, float[] m, int n0, int images, int k0, int ks, int ke, int t,
                                        float[] bias, float[] output, boolean relu, int outputChannels,
                                        int channelOffset) {
        int outH = g.outH();
        int outW = g.outW();
        int tilesH = (outH + 1) / 2;
        int tilesW = (outW + 1) / 2;
        int kg = g.outChannelsPerGroup();
        int stride = kg * t;
        int plane = outH * outW;
        for (int k = ks; k < ke; k++) {
            float b = bias == null ? 0f : bias[k0 + k];
            int col = k * t;
            for (int img = 0; img < images; img++) {
                int dst = ((n0 + img) * outputChannels + channelOffset + k0 + k) * plane;
                for (int ty = 0; ty < tilesH; ty++) {
                    for (int tx = 0; tx < tilesW; tx++, col++) {
                        // A^T m: two rows of four.
                        float r00 = 0f;
                        float r01 = 0f;
                        float r02 = 0f;
                        float r03 = 0f;
                        float r10 = 0f;
                        float r11 = 0f;
                        float r12 = 0f;
                        float r13 = 0f;
                        for (int j = 0; j < 4; j++) {
                            float m0 = m[j * stride + col];
                            float m1 = m[(4 + j) * stride + col];
                            float m2 = m[(8 + j) * stride + col];
                            float m3 = m[(12 + j) * stride + col];
                            float top = m0 + m1 + m2;
                            float bottom = m1 - m2 - m3;
                            switch (j) {
                                case 0 -> {
                                    r00 = top;
                                    r10 = bottom;
                                }
                                case 1 -> {
                                    r01 = top;
                                    r11 = bottom;
                                }
                                case 2 -> {
                                    r02 = top;
                                    r12 = bottom;
                                }
                                default -> {
                                    r03 = top;
                                    r13 = bottom;
                                }
                            }
                        }
                        int y = 2 * ty;
                        int x = 2 * tx;
                        int o = dst + y * outW + x;
                        output[o] = clamp(r00 + r01 + r02 + b, relu);
                        if (x + 1 < outW) {
                            output[o + 1] = clamp(r01 - r02 - r03 + b, relu);
                        }
                        if (y + 1 < outH) {
                            output[o + outW] = clamp(r10 + r11 + r12 + b, relu);
                            if (x + 1 < outW) {
                                output[o + outW + 1] = clamp(r11 - r12 - r13 + b, relu);
                            }
                        }
                    }
                }
            }
        }
    }

    /** {@code max(v, 0)} with {@code relu} (a fused ReLU, as {@link Math#max(float, float)}), else v. */
    private static float clamp(float v, boolean relu) {
        return relu ? Math.max(v, 0f) : v;
    }
}
