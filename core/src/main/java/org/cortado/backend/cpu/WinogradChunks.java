package org.cortado.backend.cpu;

import org.cortado.backend.ConvGeometry;

/**
 * The three passes of a Winograd forward pass, F(2x2) or F(4x4), over chunks of rows of tiles across images: the
 * input transform into V split over input channels, the products {@code M_xi = U_xi V_xi} over the threads, the
 * output transform from M split over output channels. A chunk of about {@code tilesPerChunk} tiles keeps V and M near
 * the L3 between the passes, where a whole 112x112 map (3136 tiles of 2x2) would send them through memory.
 */
final class WinogradChunks {
    private WinogradChunks() {
    }

    /**
     * Floats of a chunk's V and M together (8 MiB) that the forward pass keeps to, whatever the batch and the channel
     * counts, by taking fewer rows of tiles per chunk (one row at least): with the {@code tilesPerChunk} aim alone,
     * VGG-16's 512-channel layers took 33 MB, and each larger layer left the smaller buffer before it as garbage,
     * 72 MB over GoogLeNet's batch-16 pass and 94 MB over VGG-16's. A budget of 16 MiB cost GoogLeNet's batch-16
     * peak 21 MiB more than this one, its array growing through three sizes (bench/RESULTS.md, "Winograd's buffers
     * bounded").
     */
    static final int BUFFER_FLOATS = 2 << 20;

    /** Per calling thread: a chunk's V and M, in one array that grows to at most the largest chunk's need. */
    private static final ThreadLocal<float[]> TILES = ThreadBuffers.floats();

    /**
     * Per worker thread: a task's rows of input, split rows, transform work space and output rows, kept from one
     * task to the next (a few KB to a few hundred KB).
     */
    private static final ThreadLocal<float[]> PADDED = ThreadBuffers.floats();
    private static final ThreadLocal<float[]> SPLIT = ThreadBuffers.floats();
    private static final ThreadLocal<float[]> INPUT_WORK = ThreadBuffers.floats();
    private static final ThreadLocal<float[]> OUTPUT_ROWS = ThreadBuffers.floats();
    private static final ThreadLocal<float[]> OUTPUT_WORK = ThreadBuffers.floats();

    /**
     * The calling thread's array of at least {@code size} floats for a chunk's transformed tiles (V, M, or a
     * gradient's Yhat), kept for its next call.
     */
    static float[] tiles(int size) {
        return ThreadBuffers.atLeast(TILES, size);
    }

    /** Floats in the calling thread's tile array (for tests: it must not grow with the batch). */
    static int tilesHeld() {
        return TILES.get().length;
    }

    /** Floats of a cache line: the unit of {@link #spread}. */
    private static final int SPREAD = 16;

    /**
     * The distance between consecutive positions' matrices of {@code size} floats: at least size, a whole number of
     * cache lines, and an odd number of them modulo 64 (4 KiB), so that the 16 or 36 positions of a tile, which the
     * transforms write and read together, fall into different sets of the L1. A distance of a multiple of 4 KiB put
     * them all in one set of 8 ways: GoogLeNet's inception_4c at 392 or 336 tiles a chunk took 1.4 times as long as
     * at 511 (bench/RESULTS.md, "Winograd's buffers bounded").
     */
    static int spread(int size) {
        int lines = (size + SPREAD - 1) / SPREAD;
        return (lines | 1) * SPREAD;
    }

    /**
     * Rows of tiles per chunk, of {@code units} rows in all: at most about {@code tilesPerChunk} tiles, fewer where
     * the chunk's V and M ({@code positions} values per tile and channel, in and out) would pass
     * {@code bufferFloats}, and one row at least; the rows are then shared evenly between the chunks that takes. Each
     * chunk reads all of U, so a short last chunk costs nearly as much as a full one: VGG-16's conv5 at batch 16 in
     * chunks of 36, 36, 36 and 4 rows of tiles ran 1.2 to 1.3 times as long as in two (bench/RESULTS.md,
     * "Winograd's buffers bounded").
     */
    static int rowsPerChunk(int units, int tilesW, int positions, int cg, int kg, int tilesPerChunk,
                            int bufferFloats) {
        long perTile = (long) positions * (cg + kg);
        long tiles = Math.min(tilesPerChunk, bufferFloats / perTile);
        int most = (int) Math.max(1, tiles / tilesW);
        int chunks = (units + most - 1) / most;
        return (units + chunks - 1) / chunks;
    }

    /**
     * One algorithm's transforms of a row of tiles. The input rows come from {@link #splitRows} with {@code block}
     * phases; the outputs go to {@code y} as {@link #scatter} reads them.
     */
    interface Transforms {
        /** Floats of work space {@link #inputRow} needs for split rows of {@code rowLen} floats. */
        int inputWork(int rowLen);

        /**
         * V for the {@code tilesW} tiles of one row: its padded input rows start at {@code split[r0]},
         * {@code rowLen} apart, each split into phases {@code w1} apart; position xi of tile tx goes to
         * {@code v[col + xi * stride + tx]}.
         */
        void inputRow(float[] split, int r0, int rowLen, int w1, int tilesW, float[] v, int col, int stride,
                      float[] work);

        /** Floats of work space {@link #outputRow} needs for rows of {@code tilesW} tiles. */
        int outputWork(int tilesW);

        /** A row of tiles' outputs plus bias (with relu: clamped at zero) from {@code m[col + xi * stride + tx]}. */
        void outputRow(float[] m, int col, int stride, int tilesW, float bias, boolean relu, float[] y,
                       float[] work);
    }

    /**
     * One row of a 3x3 filter's transform (a tile of {@code side x side} positions): the filter at {@code weight[w]},
     * position {@code row * side + j} to {@code u[j * perXi + at]}.
     */
    @FunctionalInterface
    interface FilterTransform {
        void apply(float[] weight, int w, int row, float[] u, int at, int perXi);
    }

    /**
     * {@code U} for every (output, input) channel pair by {@code filter}, packed per group and position xi, for tiles
     * of {@code side x side} positions. The transform goes a row of positions at a time through the calling thread's
     * tile array, which the chunks use next: a whole U before the packing (VGG-16's conv5: 16 MB) was garbage at
     * every layer of a one-shot pass.
     */
    static Gemm.PackedA[][] transformWeights(Parallel parallel, Gemm gemm, ConvGeometry g, float[] weight, int side,
                                             FilterTransform filter) {
        int kg = g.outChannelsPerGroup();
        int cg = g.inChannelsPerGroup();
        int perXi = kg * cg;
        float[] u = tiles(side * perXi);
        int packedSize = gemm.packedSize(kg, cg);
        Gemm.PackedA[][] out = new Gemm.PackedA[g.group()][side * side];
        for (int grp = 0; grp < g.group(); grp++) {
            int wBase = grp * kg * cg * 9;
            for (int row = 0; row < side; row++) {
                int r = row;
                parallel.forRange(kg, 8, (ks, ke) -> {
                    for (int k = ks; k < ke; k++) {
                        for (int c = 0; c < cg; c++) {
                            filter.apply(weight, wBase + (k * cg + c) * 9, r, u, k * cg + c, perXi);
                        }
                    }
                });
                for (int j = 0; j < side; j++) {
                    out[grp][row * side + j] = gemm.pack(false, kg, cg, 1f, u, j * perXi, new float[packedSize], true);
                }
            }
        }
        return out;
    }

    /**
     * {@code output = conv(input) + bias} (with relu: clamped at zero) into channels {@code [channelOffset, +K)} of an
     * output of {@code outputChannels} channels: the three passes for every chunk and group of {@code g}, with tiles of
     * {@code block x block} outputs, {@code positions} products per tile and {@code u[group][xi]} the transformed,
     * packed weights. Modified: output.
     */
    static void forward(Parallel parallel, Gemm gemm, ConvGeometry g, int block, int positions, int tilesPerChunk,
                        int bufferFloats, Gemm.PackedA[][] u, Transforms transforms, float[] input, float[] bias,
                        float[] output, boolean relu, int outputChannels, int channelOffset) {
        int kg = g.outChannelsPerGroup();
        int cg = g.inChannelsPerGroup();
        int tilesH = (g.outH() + block - 1) / block;
        int tilesW = (g.outW() + block - 1) / block;
        int units = g.batch() * tilesH;
        int rowsPerChunk = rowsPerChunk(units, tilesW, positions, cg, kg, tilesPerChunk, bufferFloats);
        int maxT = Math.min(rowsPerChunk, units) * tilesW;
        // V at the start, M after it, each position's matrix a few floats past the last one's end (spread).
        int mOff = positions * (cg * maxT + 2 * SPREAD);
        float[] vm = tiles(mOff + positions * (kg * maxT + 2 * SPREAD));
        // Channels per task: a few per thread's share where a chunk is small, so that forking pays.
        int grain = Math.max(1, 64 / Math.max(1, maxT * positions / 1024));
        for (int u0 = 0; u0 < units; u0 += rowsPerChunk) {
            int first = u0;
            int last = Math.min(units, u0 + rowsPerChunk);
            int t = (last - first) * tilesW;
            int vStride = spread(cg * t);
            int mStride = spread(kg * t);
            for (int grp = 0; grp < g.group(); grp++) {
                int c0 = grp * cg;
                int k0 = grp * kg;
                Gemm.PackedA[] ug = u[grp];
                parallel.forRange(cg, grain, (cs, ce) -> input(g, block, transforms, input, first, last, c0, cs, ce, t,
                        vStride, vm));
                parallel.forRange(positions, 1, (xs, xe) -> {
                    for (int xi = xs; xi < xe; xi++) {
                        gemm.gemm(ug[xi], false, t, vm, xi * vStride, 0f, vm, mOff + xi * mStride, false);
                    }
                });
                parallel.forRange(kg, grain, (ks, ke) -> output(g, block, transforms, vm, mOff, mStride, first, last,
                        k0, ks, ke, t, bias, output, relu, outputChannels, channelOffset));
            }
        }
    }

    /**
     * V for input channels {@code [cs, ce)} of the group starting at c0, for the rows of tiles {@code [first, last)}
     * (position xi's matrix at {@code v[xi * stride]})
     * (row u: image {@code u / tilesH}, row {@code u % tilesH}) of t tiles in all; taps outside the input read zero
     * (the padding). Each padded row is split once per segment of tile rows of one image (rows of tiles share two).
     * Modified: v.
     */
    static void input(ConvGeometry g, int block, Transforms transforms, float[] input, int first, int last, int c0,
                      int cs, int ce, int t, int stride, float[] v) {
        int tilesH = (g.outH() + block - 1) / block;
        int tilesW = (g.outW() + block - 1) / block;
        int plane = g.inH() * g.inW();
        int w1 = tilesW + 1;
        int rowLen = block * w1;
        // Zero outside the copied run of each row (the padding), whatever an earlier layer left there.
        float[] padded = ThreadBuffers.atLeast(PADDED, rowLen);
        java.util.Arrays.fill(padded, 0, rowLen, 0f);
        float[] split = ThreadBuffers.atLeast(SPLIT, (block * Math.min(last - first, tilesH) + 2) * rowLen);
        float[] work = ThreadBuffers.atLeast(INPUT_WORK, transforms.inputWork(rowLen));
        for (int c = cs; c < ce; c++) {
            int col = c * t;
            for (int u = first; u < last; ) {
                int img = u / tilesH;
                int ty0 = u % tilesH;
                int ty1 = Math.min(tilesH, ty0 + last - u);
                int src = (img * g.inChannels() + c0 + c) * plane;
                splitRows(g, input, src, block * ty0, block * (ty1 - ty0) + 2, block, w1, padded, split);
                for (int ty = ty0; ty < ty1; ty++, col += tilesW) {
                    transforms.inputRow(split, block * (ty - ty0) * rowLen, rowLen, w1, tilesW, v, col, stride, work);
                }
                u += ty1 - ty0;
            }
        }
    }

    /**
     * Output channels {@code [ks, ke)} of the group starting at k0, for the rows of tiles {@code [first, last)}, from
     * the M at {@code m[mOff]}.
     */
    private static void output(ConvGeometry g, int block, Transforms transforms, float[] m, int mOff, int stride,
                               int first, int last, int k0, int ks, int ke, int t, float[] bias, float[] output,
                               boolean relu, int outputChannels, int channelOffset) {
        int outH = g.outH();
        int outW = g.outW();
        int tilesH = (outH + block - 1) / block;
        int tilesW = (outW + block - 1) / block;
        float[] y = ThreadBuffers.atLeast(OUTPUT_ROWS, block * block * tilesW);
        float[] work = ThreadBuffers.atLeast(OUTPUT_WORK, transforms.outputWork(tilesW));
        for (int k = ks; k < ke; k++) {
            float b = bias == null ? 0f : bias[k0 + k];
            int col = mOff + k * t;
            for (int u = first; u < last; u++, col += tilesW) {
                int img = u / tilesH;
                int ty = u % tilesH;
                transforms.outputRow(m, col, stride, tilesW, b, relu, y, work);
                int base = ((img * outputChannels + channelOffset + k0 + k) * outH + block * ty) * outW;
                scatter(y, tilesW, block, Math.min(block, outH - block * ty), output, base, outW);
            }
        }
    }

    /**
     * Rows {@code [y0, y0 + count)} of one padded input plane (padded row y is input row {@code y - padH} of the plane
     * at {@code src}), each split into its columns mod {@code phases}: row r's phase p at
     * {@code split[(r * phases + p) * w1 + x]} is padded column {@code phases * x + p}, for {@code x < w1}, zero
     * outside the input. {@code padded} ({@code phases * w1} floats, zero outside the copied run) is scratch.
     */
    private static void splitRows(ConvGeometry g, float[] input, int src, int y0, int count, int phases, int w1,
                          float[] padded, float[] split) {
        int inW = g.inW();
        int rowLen = phases * w1;
        for (int r = 0; r < count; r++) {
            int y = y0 + r - g.padH();
            int at = r * rowLen;
            if (y < 0 || y >= g.inH()) {
                java.util.Arrays.fill(split, at, at + rowLen, 0f);
                continue;
            }
            System.arraycopy(input, src + y * inW, padded, g.padW(), inW);
            for (int p = 0; p < phases; p++) {
                for (int x = 0; x < w1; x++) {
                    split[at + p * w1 + x] = padded[phases * x + p];
                }
            }
        }
    }

    /**
     * The first {@code rows} rows of a row of {@code tilesW} tiles' {@code block x block} outputs into the output
     * plane: value (p, q) of tile tx, at {@code y[(block * p + q) * tilesW + tx]}, goes to
     * {@code output[base + p * outW + block * tx + q]}; columns past {@code outW} are dropped.
     */
    private static void scatter(float[] y, int tilesW, int block, int rows, float[] output, int base, int outW) {
        int whole = outW / block;
        for (int p = 0; p < rows; p++) {
            int o = base + p * outW;
            int yp = block * p * tilesW;
            for (int q = 0; q < block; q++) {
                int from = yp + q * tilesW;
                for (int tx = 0; tx < whole; tx++) {
                    output[o + block * tx + q] = y[from + tx];
                }
            }
            for (int q = 0; q < outW - block * whole; q++) {
                output[o + block * whole + q] = y[yp + q * tilesW + whole];
            }
        }
    }
}
