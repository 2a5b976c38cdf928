package org.cortado.backend.cpu;

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
final class WinogradF4 implements WinogradChunks.Transforms {
    /** Tiles per chunk, aimed at: V and M of 36 positions over 256 tiles of 4x4 are as large as F(2x2)'s at 576. */
    static final int TILES_PER_CHUNK = 256;
    /** Positions of the 6x6 transformed tile. */
    static final int XI = 36;

    private final Parallel parallel;
    private final Gemm gemm;
    private final DerivedWeights derived;
    private final WinogradRows rows;
    /** Floats a chunk's V and M keep to ({@link WinogradChunks#rowsPerChunk}). */
    private final int bufferFloats;

    /** What the transformed weights depend on besides the weights' values (F(4x4): not F(2x2)'s layout). */
    private record Layout(int group, int kg, int cg) {
    }

    WinogradF4(Parallel parallel, Gemm gemm, DerivedWeights derived, WinogradRows rows, int bufferFloats) {
        this.parallel = parallel;
        this.gemm = gemm;
        this.derived = derived;
        this.rows = rows;
        this.bufferFloats = bufferFloats;
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
        int cg = g.inChannelsPerGroup();
        Gemm.PackedA[][] u = derived.get(weight, 0, g.outChannels() * cg * 9,
                new Layout(g.group(), g.outChannelsPerGroup(), cg),
                () -> WinogradChunks.transformWeights(parallel, gemm, g, weight, 6, WinogradF4::transformFilter));
        WinogradChunks.forward(parallel, gemm, g, 4, XI, TILES_PER_CHUNK, bufferFloats, u, this, input, bias,
                output, relu, outputChannels, channelOffset);
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
     * Row a of {@code U = G g G^T} for one filter (positions {@code 6a .. 6a + 5}), computed in double and rounded
     * once, so that the sixths add no rounding of their own.
     */
    private static void transformFilter(float[] weight, int w, int a, float[] u, int at, int perXi) {
        // Row a of G g, then times G^T.
        double gg0 = G[a][0] * weight[w] + G[a][1] * weight[w + 3] + G[a][2] * weight[w + 6];
        double gg1 = G[a][0] * weight[w + 1] + G[a][1] * weight[w + 4] + G[a][2] * weight[w + 7];
        double gg2 = G[a][0] * weight[w + 2] + G[a][1] * weight[w + 5] + G[a][2] * weight[w + 8];
        for (int b = 0; b < 6; b++) {
            u[b * perXi + at] = (float) (gg0 * G[b][0] + gg1 * G[b][1] + gg2 * G[b][2]);
        }
    }

    @Override
    public int inputWork(int rowLen) {
        return 6 * rowLen;
    }

    /** {@code V_xi = (B^T d B)_xi}: B^T over the six rows, every column at once; then B over each row's six columns. */
    @Override
    public void inputRow(float[] split, int r0, int rowLen, int w1, int tilesW, float[] v, int col, int stride,
                         float[] work) {
        rows.inputF4(split, r0, r0 + rowLen, r0 + 2 * rowLen, r0 + 3 * rowLen, r0 + 4 * rowLen, r0 + 5 * rowLen,
                rowLen, work, 0, rowLen);
        for (int i = 0; i < 6; i++) {
            int b = i * rowLen;
            rows.inputF4(work, b, b + w1, b + 2 * w1, b + 3 * w1, b + 1, b + w1 + 1, tilesW, v, col + 6 * i * stride,
                    stride);
        }
    }

    @Override
    public int outputWork(int tilesW) {
        return 24 * tilesW;
    }

    /** {@code Y = A^T m A}: A^T per column j of the tile (row p at {@code work[(6p + j) * tilesW]}), then A per row. */
    @Override
    public void outputRow(float[] m, int col, int stride, int tilesW, float bias, boolean relu, float[] y,
                          float[] work) {
        for (int j = 0; j < 6; j++) {
            int at = col + j * stride;
            rows.outputF4(m, at, at + 6 * stride, at + 12 * stride, at + 18 * stride, at + 24 * stride,
                    at + 30 * stride, tilesW, 0f, false, work, j * tilesW, 6 * tilesW);
        }
        for (int p = 0; p < 4; p++) {
            int at = 6 * p * tilesW;
            rows.outputF4(work, at, at + tilesW, at + 2 * tilesW, at + 3 * tilesW, at + 4 * tilesW, at + 5 * tilesW,
                    tilesW, bias, relu, y, 4 * p * tilesW, tilesW);
        }
    }
}
