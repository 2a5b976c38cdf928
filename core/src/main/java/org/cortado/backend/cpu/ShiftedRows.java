package org.cortado.backend.cpu;

import java.util.Arrays;
import org.cortado.backend.ConvGeometry;

/**
 * The im2col matrix of a convolution, read where it lies instead of gathered. Take the image padded by the layer's
 * padding ({@code Hp x Wp} per channel) and split into its {@code sh x sw} stride phases: phase {@code (ry, rx)} of
 * channel c is the plane {@code Q[c][ry][rx][y][x] = padded[c][y*sh + ry][x*sw + rx]}, {@code Hq x Wq} with
 * {@code Hq = ceil(Hp/sh)}, {@code Wq = ceil(Wp/sw)} (for stride 1, the padded image itself). Tap {@code (c, ky, kx)}
 * of output pixel {@code (oy, ox)} reads {@code padded[c][oy*sh + ky*dh][ox*sw + kx*dw]}, which is
 * {@code Q[c][ry][rx][oy + qy][ox + qx]} with {@code ky*dh = qy*sh + ry} and {@code kx*dw = qx*sw + rx}. Numbering
 * the output pixels {@code j = oy*Wq + ox}, on a grid as wide as a phase plane, makes every row of the im2col matrix
 * one run of Q, starting at {@code (plane of c, ry, rx) + qy*Wq + qx}: the GEMM's kernel reads its B there, and
 * nothing is gathered or packed (for SqueezeNet's 3x3 expands, the gather cost a fifth of the layer). The price is
 * {@code Wq - outW} extra output columns per row, which {@link #scatter} drops.
 *
 * <p>The products see the same operands in the same order as with im2col, so the results are the same to the bit.
 */
final class ShiftedRows implements Gemm.InPlace, Gemm.Scattered {
    private final ConvGeometry g;
    private final float[] data;
    private final int[] rowStarts;
    /** Width of a phase plane, the grid on which output pixels are numbered. */
    private final int gridW;
    private final int columns;

    private ShiftedRows(ConvGeometry g, float[] data, int[] rowStarts, int gridW) {
        this.g = g;
        this.data = data;
        this.rowStarts = rowStarts;
        this.gridW = gridW;
        this.columns = (g.outH() - 1) * gridW + g.outW();
    }

    /**
     * Whether the filter gradient of {@code g} reads its im2col matrix this way (transposed): not a plain 1x1, and
     * the extra columns cheaper than the gather they save. The gather's cost per output is spread over the
     * {@code K/group} rows of weights (one packed strip serves K/group/8 register tiles), the extra columns cost every
     * row, so the test is {@code (extra columns / outH*outW) * K/group <= 32}: per layer, SqueezeNet's fire2, fire4
     * and fire8 3x3 expands and AlexNet conv2 ran faster this way, and fire9 (13x13: 14% extra columns for 256 rows),
     * which the rule leaves to im2col (and so to Winograd, {@link CpuConvolution#filterGradientByWinograd}), did not
     * (bench/RESULTS.md, "Figures moved from code comments").
     */
    static boolean applies(ConvGeometry g) {
        return applies(g, MAX_EXTRA_TIMES_ROWS);
    }

    /**
     * Whether the forward pass of {@code g} (a data gradient run as one included) reads its im2col matrix this way:
     * as {@link #applies}, with a bound of 64. NIN's conv2 (5x5 at 27x27, 256 rows: 37 by this measure) ran at under
     * half the rate of the net's other layers through im2col, and SqueezeNet v1.0 (fire9: 36) lost nothing in a whole
     * forward pass (bench/RESULTS.md, "What helped": the Zoo nets).
     */
    static boolean appliesToForward(ConvGeometry g) {
        return applies(g, FORWARD_MAX_EXTRA_TIMES_ROWS);
    }

    /** See {@link #applies}. */
    static final long MAX_EXTRA_TIMES_ROWS = 32;
    /** See {@link #appliesToForward}. */
    static final long FORWARD_MAX_EXTRA_TIMES_ROWS = 64;

    private static boolean applies(ConvGeometry g, long maxExtraTimesRows) {
        if (g.isPointwise()) {
            return false;
        }
        long outputs = (long) g.outH() * g.outW();
        long extra = (long) (g.outH() - 1) * gridWidth(g) + g.outW() - outputs;
        return extra * g.outChannelsPerGroup() <= maxExtraTimesRows * outputs;
    }

    private static int gridWidth(ConvGeometry g) {
        return ceilDiv(g.inW() + 2 * g.padW(), g.strideW());
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /**
     * Channels {@code [c0, c0 + inChannelsPerGroup)} of the image at {@code imgOff}: read in place when the layer has
     * stride 1 and no padding, else copied as padded phase planes into {@code holder[0]} (the caller's buffer, grown
     * here).
     */
    static ShiftedRows of(ConvGeometry g, float[] input, int imgOff, int c0, float[][] holder) {
        int cg = g.inChannelsPerGroup();
        int sh = g.strideH();
        int sw = g.strideW();
        int hq = ceilDiv(g.inH() + 2 * g.padH(), sh);
        int wq = gridWidth(g);
        int plane = hq * wq;
        // Only the phases some tap reads are copied: a 1x1 layer of stride 2 (ResNet's projections) reads one of its
        // four, and copying all four cost as much as its product.
        int[] slotY = phaseSlots(g.kernelH(), g.dilationH(), sh);
        int[] slotX = phaseSlots(g.kernelW(), g.dilationW(), sw);
        int usedY = slotY[sh];
        int usedX = slotX[sw];
        float[] data;
        int base;
        if (sh == 1 && sw == 1 && g.padH() == 0 && g.padW() == 0) {
            data = input;
            base = imgOff + c0 * g.inH() * g.inW();
        } else {
            int size = cg * usedY * usedX * plane;
            if (holder[0].length < size) {
                holder[0] = new float[size];
            }
            data = holder[0];
            base = 0;
            phases(g, input, imgOff + c0 * g.inH() * g.inW(), cg, hq, wq, slotY, slotX, data);
        }
        int[] starts = new int[g.patchSize()];
        int p = 0;
        for (int c = 0; c < cg; c++) {
            for (int ky = 0; ky < g.kernelH(); ky++) {
                int dy = ky * g.dilationH();
                for (int kx = 0; kx < g.kernelW(); kx++) {
                    int dx = kx * g.dilationW();
                    int phase = ((c * usedY + slotY[dy % sh]) * usedX + slotX[dx % sw]) * plane;
                    starts[p++] = base + phase + (dy / sh) * wq + dx / sw;
                }
            }
        }
        return new ShiftedRows(g, data, starts, wq);
    }

    /**
     * For each phase {@code r < stride} along one axis, its slot among the phases that the taps {@code t * dilation},
     * {@code t < kernel}, read (-1 for a phase none reads); entry {@code stride} is the number of slots.
     */
    private static int[] phaseSlots(int kernel, int dilation, int stride) {
        int[] slots = new int[stride + 1];
        Arrays.fill(slots, 0, stride, -1);
        for (int t = 0; t < kernel; t++) {
            slots[t * dilation % stride] = 0;
        }
        int used = 0;
        for (int r = 0; r < stride; r++) {
            if (slots[r] == 0) {
                slots[r] = used++;
            }
        }
        slots[stride] = used;
        return slots;
    }

    /**
     * {@code cg} channels from {@code from} into {@code to} as padded phase planes ({@code hq x wq} each, zero where
     * they fall in the padding or past the padded image), in one pass; the phases whose slot is -1 are left out.
     */
    private static void phases(ConvGeometry g, float[] input, int from, int cg, int hq, int wq, int[] slotY,
                               int[] slotX, float[] to) {
        int inH = g.inH();
        int inW = g.inW();
        int sh = g.strideH();
        int sw = g.strideW();
        int d = 0;
        for (int c = 0; c < cg; c++) {
            for (int ry = 0; ry < sh; ry++) {
                if (slotY[ry] < 0) {
                    continue;
                }
                for (int rx = 0; rx < sw; rx++) {
                    if (slotX[rx] < 0) {
                        continue;
                    }
                    // Phase columns x whose pixel x*sw + rx - padW lies in the image: [x0, x1).
                    int shift = rx - g.padW();
                    int x0 = Math.min(wq, shift >= 0 ? 0 : ceilDiv(-shift, sw));
                    int x1 = Math.max(x0, Math.min(wq, ceilDiv(inW - shift, sw)));
                    for (int y = 0; y < hq; y++, d += wq) {
                        int iy = y * sh + ry - g.padH();
                        if (iy < 0 || iy >= inH) {
                            Arrays.fill(to, d, d + wq, 0f);
                            continue;
                        }
                        int row = from + (c * inH + iy) * inW + shift;
                        Zeros.fill(to, d, d + x0);
                        if (sw == 1) {
                            System.arraycopy(input, row + x0, to, d + x0, x1 - x0);
                        } else {
                            for (int x = x0; x < x1; x++) {
                                to[d + x] = input[row + x * sw];
                            }
                        }
                        Zeros.fill(to, d + x1, d + wq);
                    }
                }
            }
        }
    }

    /** Columns of the product: output pixels on the grid, the last row's extra columns left out. */
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

    /**
     * The transpose of this matrix as a product's op(B) ({@code columns x patch}: a filter gradient
     * {@code dW += dOut * im2col^T}), packed from the same runs: column p of op(B) is run p, read with unit stride.
     * The product must see zeros in dOut's extra columns ({@link #packOnGrid}).
     */
    Gemm.PanelSource transposed() {
        return (pc, kc, jc, nc, nr, bp) -> {
            for (int jr = 0; jr < nc; jr += nr) {
                int cols = Math.min(nr, nc - jr);
                int strip = (jr / nr) * kc * nr;
                for (int q = 0; q < cols; q++) {
                    int src = rowStarts[jc + jr + q] + pc;
                    for (int p = 0; p < kc; p++) {
                        bp[strip + p * nr + q] = data[src + p];
                    }
                }
                for (int q = cols; q < nr; q++) {
                    for (int p = 0; p < kc; p++) {
                        bp[strip + p * nr + q] = 0f;
                    }
                }
            }
        };
    }

    /**
     * {@code rows} planes of {@code outH x outW} from {@code from} at {@code fromOff} (an output gradient), as the
     * A of a product over this grid's {@link #columns}: each output row is a run of the grid's row, and the extra
     * columns are zero. Packed straight from where it lies, into {@code buffer} (at least
     * {@code gemm.packedSize(rows, columns())} floats; modified).
     */
    Gemm.PackedA packOnGrid(Gemm gemm, float[] from, int fromOff, int rows, float[] buffer, boolean parallelize) {
        return gemm.packRuns(rows, columns, 1f, from, fromOff, g.outH() * g.outW(), g.outW(), gridW, buffer,
                parallelize);
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
                int oy = j / gridW;
                int ox = j - oy * gridW;
                int run = Math.min(gridW - ox, end - j);
                if (ox < outW) {
                    System.arraycopy(block, from + j, c, to + oy * outW + ox, Math.min(run, outW - ox));
                }
                j += run;
            }
        }
    }
}
