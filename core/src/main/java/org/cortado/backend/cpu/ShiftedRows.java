package org.cortado.backend.cpu;

import java.util.Arrays;
import org.cortado.backend.ConvGeometry;

/**
 * The im2col matrix of a stride-1 convolution, read where it lies instead of gathered. In a copy of the image
 * padded by the layer's padding ({@code Hp x Wp} per channel), tap {@code (c, ky, kx)} of output pixel
 * {@code (oy, ox)} is pixel {@code c*Hp*Wp + (oy + ky*dh)*Wp + ox + kx*dw}. Numbering the output pixels
 * {@code j = oy*Wp + ox}, on a grid as wide as the padded image, makes every row of the im2col matrix one run of the
 * padded image, starting at {@code c*Hp*Wp + ky*dh*Wp + kx*dw}: the GEMM's kernel reads its B there, and nothing is
 * gathered or packed (for SqueezeNet's 3x3 expands, the gather cost a fifth of the layer). The price is
 * {@code Wp - outW} extra output columns per row, which {@link #scatter} drops.
 *
 * <p>The products see the same operands in the same order as with im2col, so the results are the same to the bit.
 */
final class ShiftedRows implements Gemm.InPlace, Gemm.Scattered {
    private final ConvGeometry g;
    private final float[] data;
    private final int[] rowStarts;
    private final int paddedW;
    private final int columns;

    private ShiftedRows(ConvGeometry g, float[] data, int[] rowStarts, int paddedW) {
        this.g = g;
        this.data = data;
        this.rowStarts = rowStarts;
        this.paddedW = paddedW;
        this.columns = (g.outH() - 1) * paddedW + g.outW();
    }

    /**
     * Whether the forward pass of {@code g} reads its im2col matrix this way: stride 1, not a plain 1x1, and the extra
     * columns cheaper than the gather they save. The gather's cost per output is spread over the {@code K/group}
     * rows of weights (one packed strip serves K/group/8 register tiles), the extra columns cost every row, so the
     * test is {@code (extra columns / outH*outW) * K/group <= 32}. Measured per layer (one thread, batch 1, in
     * cache; and batch 16 on 2 threads), shifted rows against im2col: SqueezeNet fire2's 3x3 expand (3.6% extra,
     * 64 rows) 1.31x faster (1.18x at batch 16), fire4 (3.6%, 128) 1.14x (1.16x), fire8 (7%, 256) 1.10x (1.14x),
     * AlexNet conv2 (5x5: 14%, 128) 1.13x (1.08x); fire9 (13x13: 14%, 256) 0.99x (0.97x), left to im2col.
     */
    static boolean applies(ConvGeometry g) {
        if (g.strideH() != 1 || g.strideW() != 1 || g.isPointwise()) {
            return false;
        }
        long outputs = (long) g.outH() * g.outW();
        long extra = (long) (g.outH() - 1) * (g.inW() + 2 * g.padW()) + g.outW() - outputs;
        return extra * g.outChannelsPerGroup() <= MAX_EXTRA_TIMES_ROWS * outputs;
    }

    /** See {@link #applies}. */
    static final long MAX_EXTRA_TIMES_ROWS = 32;

    /**
     * Channels {@code [c0, c0 + inChannelsPerGroup)} of the image at {@code imgOff}: read in place when the layer has
     * no padding, else copied with their zero border into {@code holder[0]} (the caller's buffer, grown here).
     */
    static ShiftedRows of(ConvGeometry g, float[] input, int imgOff, int c0, float[][] holder) {
        int cg = g.inChannelsPerGroup();
        int hp = g.inH() + 2 * g.padH();
        int wp = g.inW() + 2 * g.padW();
        float[] data;
        int base;
        if (g.padH() == 0 && g.padW() == 0) {
            data = input;
            base = imgOff + c0 * g.inH() * g.inW();
        } else {
            if (holder[0].length < cg * hp * wp) {
                holder[0] = new float[cg * hp * wp];
            }
            data = holder[0];
            base = 0;
            pad(g, input, imgOff + c0 * g.inH() * g.inW(), cg, hp, wp, data);
        }
        int[] starts = new int[g.patchSize()];
        int p = 0;
        for (int c = 0; c < cg; c++) {
            for (int ky = 0; ky < g.kernelH(); ky++) {
                for (int kx = 0; kx < g.kernelW(); kx++) {
                    starts[p++] = base + c * hp * wp + ky * g.dilationH() * wp + kx * g.dilationW();
                }
            }
        }
        return new ShiftedRows(g, data, starts, wp);
    }

    /** {@code cg} channels from {@code from} into {@code to}, each inside a zero border of the layer's padding. */
    private static void pad(ConvGeometry g, float[] input, int from, int cg, int hp, int wp, float[] to) {
        int inH = g.inH();
        int inW = g.inW();
        int padH = g.padH();
        int padW = g.padW();
        for (int c = 0; c < cg; c++) {
            int plane = c * hp * wp;
            Arrays.fill(to, plane, plane + padH * wp, 0f);
            for (int y = 0; y < inH; y++) {
                int row = plane + (padH + y) * wp;
                Zeros.fill(to, row, row + padW);
                System.arraycopy(input, from + (c * inH + y) * inW, to, row + padW, inW);
                Zeros.fill(to, row + padW + inW, row + wp);
            }
            Arrays.fill(to, plane + (padH + inH) * wp, plane + hp * wp, 0f);
        }
    }

    /** Columns of the product: output pixels on the padded grid, the last row's extra columns left out. */
    int columns() {
        return columns;
    }

    @Override
    public float[] data() {
        return data;
    }

    @Override
    public int[] rowStarts() {
        return rowStarts;
    }

    @Override
    public boolean readInPlace(int rows) {
        return true;
    }

    @Override
    public void pack(int pc, int kc, int jc, int nc, int nr, float[] bp) {
        for (int jr = 0; jr < nc; jr += nr) {
            int cols = Math.min(nr, nc - jr);
            int strip = (jr / nr) * kc * nr;
            for (int p = 0; p < kc; p++) {
                int dst = strip + p * nr;
                System.arraycopy(data, rowStarts[pc + p] + jc + jr, bp, dst, cols);
                Zeros.fill(bp, dst + cols, dst + nr);
            }
        }
    }

    /** Drops the padded grid's extra columns: each run of output pixels goes to its row of an output plane. */
    @Override
    public void scatter(float[] block, int ldBlock, int i0, int i1, int j0, int nc, float[] c, int cOff) {
        int outW = g.outW();
        int plane = g.outH() * outW;
        for (int r = i0; r < i1; r++) {
            int from = (r - i0) * ldBlock - j0;
            int to = cOff + r * plane;
            for (int j = j0, end = j0 + nc; j < end; ) {
                int oy = j / paddedW;
                int ox = j - oy * paddedW;
                int run = Math.min(paddedW - ox, end - j);
                if (ox < outW) {
                    System.arraycopy(block, from + j, c, to + oy * outW + ox, Math.min(run, outW - ox));
                }
                j += run;
            }
        }
    }
}
