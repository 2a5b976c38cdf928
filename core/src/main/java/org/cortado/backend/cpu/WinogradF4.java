package org.cortado.backend.cpu;

import java.util.Arrays;
import org.cortado.backend.ConvGeometry;

/**
 * The forward pass of 3x3 stride-1 convolutions by Winograd's F(4x4, 3x3) (Lavin and Gray, 2015): each 4x4 block of
 * output comes from a 6x6 tile of input as {@code Y = A^T [(G g G^T) . (B^T d B)] A}, 36 multiplications instead of
 * 144, against F(2x2, 3x3)'s 16 for 36 ({@link CpuWinograd}): 1.78 times fewer multiply-adds in the 36 products
 * {@code M_xi (K x T) = U_xi (K x C) * V_xi (C x T)} over a chunk of T tiles. The transforms multiply by 2, 4, 5 and
 * 8, and the weights' by sixths and twenty-fourths, so the result strays further from the direct sum than F(2x2)'s
 * (bench/RESULTS.md, "Winograd on AVX2": the rounding on the Zoo's 3x3 layers).
 *
 * <p>The transforms run over rows of tiles with the tile index in the vector lanes ({@link WinogradRows}): each
 * padded input row is split once into its columns mod 4, so that a tile's six columns are unit-stride runs.
 */
final class WinogradF4 {
    /** Tiles per chunk, aimed at: V and M of 36 positions over 256 tiles of 4x4 are as large as F(2x2)'s at 576. */
    static final int TILES_PER_CHUNK = 256;
    /** Positions of the 6x6 transformed tile. */
    static final int XI = 36;

    private final Parallel parallel;
    private final Gemm gemm;
    private final DerivedWeights derived;
    private final WinogradRows rows;
    /** Per calling thread: the chunk's V and M. */
    private final ThreadLocal<float[][]> scratch = ThreadLocal.withInitial(() -> new float[2][0]);

    /** What the transformed weights depend on besides the weights' values (F(4x4): not F(2x2)'s layout). */
    private record Layout(int group, int kg, int cg) {
    }

    WinogradF4(Parallel parallel, Gemm gemm, DerivedWeights derived, WinogradRows rows) {
        this.parallel = parallel;
        this.gemm = gemm;
        this.derived = derived;
        this.rows = rows;
    }

    /**
     * Whether F(4x4)'s products take at most two thirds of F(2x2)'s multiply-adds on this map, and have at least
     * {@link #MIN_TILES} columns. Maps of 4n (or 4n - 1) pixels take 0.56 of them; 13x13 and 14x14, covered by 16x16
     * against 14x14, take 0.73, and there F(4x4) was no faster than F(2x2) at batch 16 (bench/RESULTS.md, "Winograd
     * on AVX2"), so they keep F(2x2)'s closer rounding; 6x6 takes as many. A 7x7 map at batch 1 has 4 tiles of 4x4,
     * and products of 4 columns ran slower than F(2x2)'s of 16.
     */
    static boolean pays(ConvGeometry g) {
        long tiles = (long) ((g.outH() + 3) / 4) * ((g.outW() + 3) / 4);
        long f2 = 16L * ((g.outH() + 1) / 2) * ((g.outW() + 1) / 2);
        return 3 * XI * tiles <= 2 * f2 && g.batch() * tiles >= MIN_TILES;
    }

    /** Tiles per image times images from which F(4x4) is used (see {@link #pays}). */
    static final int MIN_TILES = 16;

    /** As {@link CpuConvolution#forward}: the ReLU, with {@code relu}, in the output transform. Modified: output. */
    void forward(ConvGeometry g, float[] input, float[] weight, float[] bias, float[] output, boolean relu,
                 int outputChannels, int channelOffset) {
        int kg = g.outChannelsPerGroup();
        int cg = g.inChannelsPerGroup();
        int tilesH = (g.outH() + 3) / 4;
        int tilesW = (g.outW() + 3) / 4;
        int rowsPerChunk = Math.max(1, TILES_PER_CHUNK / tilesW);
        int units = g.batch() * tilesH;
        int maxT = Math.min(rowsPerChunk, units) * tilesW;
        float[][] s = scratch.get();
        if (s[0].length < XI * cg * maxT) {
            s[0] = new float[XI * cg * maxT];
        }
        if (s[1].length < XI * kg * maxT) {
            s[1] = new float[XI * kg * maxT];
        }
        float[] v = s[0];
        float[] m = s[1];
        Gemm.PackedA[][] u = derived.get(weight, 0, g.outChannels() * cg * 9, new Layout(g.group(), kg, cg),
                () -> transformWeights(g, weight));
        int grain = Math.max(1, 64 / Math.max(1, maxT / 32));
        for (int u0 = 0; u0 < units; u0 += rowsPerChunk) {
            int first = u0;
            int last = Math.min(units, u0 + rowsPerChunk);
            int t = (last - first) * tilesW;
            for (int grp = 0; grp < g.group(); grp++) {
                int c0 = grp * cg;
                int k0 = grp * kg;
                Gemm.PackedA[] ug = u[grp];
                parallel.forRange(cg, grain, (cs, ce) -> transformInput(g, input, first, last, c0, cs, ce, t, v));
                parallel.forRange(XI, 1, (xs, xe) -> {
                    for (int xi = xs; xi < xe; xi++) {
                        gemm.gemm(ug[xi], false, t, v, xi * cg * t, 0f, m, xi * kg * t, false);
                    }
                });
                parallel.forRange(kg, grain, (ks, ke) -> transformOutput(g, m, first, last, k0, ks, ke, t, bias,
                        output, relu, outputChannels, channelOffset));
            }
        }
    }

    /** F(4x4, 3x3)'s G: {@code U = G g G^T} is 6x6 for a 3x3 g. */
    private static final double[][] G = {
            {1 / 4.0, 0, 0},
            {-1 / 6.0, -1 / 6.0, -1 / 6.0},
            {-1 / 6.0, 1 / 6.0, -1 / 6.0},
            {1 / 24.0, 1 / 12.0, 1 / 6.0},
            {1 / 24.0, -1 / 12.0, 1 / 6.0},
            {0, 0, 1}};

    /**
     * {@code U = G g G^T} for every (output, input) channel pair, packed per group and position xi; computed in
     * double and rounded once, so that the sixths add no rounding of their own.
     */
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
                double[] gg = new double[18];
                for (int k = ks; k < ke; k++) {
                    for (int c = 0; c < cg; c++) {
                        int w = wBase + (k * cg + c) * 9;
                        // gg = G g (6x3), then each row times G^T.
                        for (int a = 0; a < 6; a++) {
                            for (int j = 0; j < 3; j++) {
                                gg[3 * a + j] = G[a][0] * weight[w + j] + G[a][1] * weight[w + 3 + j]
                                        + G[a][2] * weight[w + 6 + j];
                            }
                        }
                        int at = k * cg + c;
                        for (int a = 0; a < 6; a++) {
                            for (int b = 0; b < 6; b++) {
                                u[(6 * a + b) * perXi + at] = (float) (gg[3 * a] * G[b][0] + gg[3 * a + 1] * G[b][1]
                                        + gg[3 * a + 2] * G[b][2]);
                            }
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
     * {@code V_xi[c, tile] = (B^T d B)_xi} for channels {@code [cs, ce)} of the group starting at c0, for the rows of
     * tiles {@code [first, last)} (row u: image {@code u / tilesH}, row {@code u % tilesH}); taps outside the input
     * read zero (the padding).
     */
    private void transformInput(ConvGeometry g, float[] input, int first, int last, int c0, int cs, int ce, int t,
                                float[] v) {
        int inH = g.inH();
        int inW = g.inW();
        int tilesH = (g.outH() + 3) / 4;
        int tilesW = (g.outW() + 3) / 4;
        int plane = inH * inW;
        int stride = g.inChannelsPerGroup() * t;
        // Padded row r of the current image, split mod 4: phase p at split[r * rowLen + p * w1 + x] = column 4x + p.
        int w1 = tilesW + 1;
        int rowLen = 4 * w1;
        float[] padded = new float[rowLen];
        int maxRows = 4 * Math.min(last - first, tilesH) + 2;
        float[] split = new float[maxRows * rowLen];
        // One row of tiles' six padded rows after B^T, same layout.
        float[] transformed = new float[6 * rowLen];
        for (int c = cs; c < ce; c++) {
            int col = c * t;
            for (int u = first; u < last; ) {
                int img = u / tilesH;
                int ty0 = u % tilesH;
                int ty1 = Math.min(tilesH, ty0 + last - u);
                int src = (img * g.inChannels() + c0 + c) * plane;
                for (int r = 0; r < 4 * (ty1 - ty0) + 2; r++) {
                    int y = 4 * ty0 + r - g.padH();
                    int at = r * rowLen;
                    if (y < 0 || y >= inH) {
                        Arrays.fill(split, at, at + rowLen, 0f);
                        continue;
                    }
                    System.arraycopy(input, src + y * inW, padded, g.padW(), inW);
                    for (int x = 0; x < w1; x++) {
                        split[at + x] = padded[4 * x];
                        split[at + w1 + x] = padded[4 * x + 1];
                        split[at + 2 * w1 + x] = padded[4 * x + 2];
                        split[at + 3 * w1 + x] = padded[4 * x + 3];
                    }
                }
                for (int ty = ty0; ty < ty1; ty++, col += tilesW) {
                    int r0 = 4 * (ty - ty0) * rowLen;
                    // B^T over the six rows, every column at once; then B over each row's six columns per tile.
                    rows.inputF4(split, r0, r0 + rowLen, r0 + 2 * rowLen, r0 + 3 * rowLen, r0 + 4 * rowLen,
                            r0 + 5 * rowLen, rowLen, transformed, 0, rowLen);
                    for (int i = 0; i < 6; i++) {
                        int b = i * rowLen;
                        rows.inputF4(transformed, b, b + w1, b + 2 * w1, b + 3 * w1, b + 1, b + w1 + 1, tilesW, v,
                                col + 6 * i * stride, stride);
                    }
                }
                u += ty1 - ty0;
            }
        }
    }

    /**
     * {@code Y = A^T m A} plus bias for output channels {@code [ks, ke)} of the group starting at k0, for the rows of
     * tiles {@code [first, last)}, clamped at zero with {@code relu}, into channel {@code channelOffset + k0 + k} of
     * an output of {@code outputChannels} channels.
     */
    private void transformOutput(ConvGeometry g, float[] m, int first, int last, int k0, int ks, int ke, int t,
                                 float[] bias, float[] output, boolean relu, int outputChannels, int channelOffset) {
        int outH = g.outH();
        int outW = g.outW();
        int tilesH = (outH + 3) / 4;
        int tilesW = (outW + 3) / 4;
        int stride = g.outChannelsPerGroup() * t;
        // A^T m per column j of the tile: row p at half[(6p + j) * tilesW + tx]; then each row times A.
        float[] half = new float[24 * tilesW];
        float[] y = new float[16 * tilesW];
        int whole = outW / 4;
        for (int k = ks; k < ke; k++) {
            float b = bias == null ? 0f : bias[k0 + k];
            int col = k * t;
            for (int u = first; u < last; u++, col += tilesW) {
                int img = u / tilesH;
                int ty = u % tilesH;
                for (int j = 0; j < 6; j++) {
                    int at = col + j * stride;
                    rows.outputF4(m, at, at + 6 * stride, at + 12 * stride, at + 18 * stride, at + 24 * stride,
                            at + 30 * stride, tilesW, 0f, false, half, j * tilesW, 6 * tilesW);
                }
                for (int p = 0; p < 4; p++) {
                    int at = 6 * p * tilesW;
                    rows.outputF4(half, at, at + tilesW, at + 2 * tilesW, at + 3 * tilesW, at + 4 * tilesW,
                            at + 5 * tilesW, tilesW, b, relu, y, 4 * p * tilesW, tilesW);
                }
                int base = ((img * outputChannels + channelOffset + k0 + k) * outH + 4 * ty) * outW;
                int rowsHere = Math.min(4, outH - 4 * ty);
                for (int p = 0; p < rowsHere; p++) {
                    int o = base + p * outW;
                    int yp = 4 * p * tilesW;
                    for (int tx = 0; tx < whole; tx++) {
                        output[o + 4 * tx] = y[yp + tx];
                        output[o + 4 * tx + 1] = y[yp + tilesW + tx];
                        output[o + 4 * tx + 2] = y[yp + 2 * tilesW + tx];
                        output[o + 4 * tx + 3] = y[yp + 3 * tilesW + tx];
                    }
                    for (int q = 0; q < outW - 4 * whole; q++) {
                        output[o + 4 * whole + q] = y[yp + q * tilesW + whole];
                    }
                }
            }
        }
    }
}
