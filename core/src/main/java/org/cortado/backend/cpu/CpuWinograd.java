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
 * sum. Forward passes on maps where 4x4 tiles waste little go to {@link WinogradF4} instead (1.78 times fewer
 * multiply-adds, ten times F(2x2)'s rounding). Both run their passes over chunks of rows of tiles, across images
 * ({@link WinogradChunks}): inside a chunk the input transform is split over channels, the products over the threads,
 * and the output transform over output channels; the transforms take a row of tiles at a time in vector lanes
 * ({@link WinogradRows}).
 */
final class CpuWinograd {
    /**
     * Tiles per chunk, aimed at (whole rows of tiles, at least one): enough columns for efficient products, few enough
     * that V and M stay in L3.
     */
    static final int TILES_PER_CHUNK = 512;
    /** Positions of the 4x4 transformed tile. */
    private static final int XI = 16;

    private final Parallel parallel;
    private final Gemm gemm;
    /** The transforms' inner loops. */
    private final WinogradRows rows = WinogradRows.best();
    /** F(2x2)'s transforms of a row of tiles. */
    private final F2Rows transforms = new F2Rows(rows);
    /** The transformed, packed weights, kept while the weights are unchanged. */
    private final DerivedWeights derived;
    /** Per calling thread: the filter gradient's {@code dU_xi = sum over tiles of Yhat_xi V_xi^T}, per position xi. */
    private final ThreadLocal<float[]> filterGradient = ThreadBuffers.floats();

    /** What the transformed weights depend on besides the weights' values. */
    private record Layout(int group, int kg, int cg) {
    }

    CpuWinograd(Parallel parallel, Gemm gemm) {
        this(parallel, gemm, new DerivedWeights());
    }

    CpuWinograd(Parallel parallel, Gemm gemm, DerivedWeights derived) {
        this(parallel, gemm, derived, "true".equalsIgnoreCase(System.getProperty(F4_PROPERTY)));
    }

    /** {@code useF4}: forward passes by {@link WinogradF4} where it {@link WinogradF4#pays pays}. */
    CpuWinograd(Parallel parallel, Gemm gemm, DerivedWeights derived, boolean useF4) {
        this(parallel, gemm, derived, useF4, WinogradChunks.BUFFER_FLOATS);
    }

    /** As above, with a chunk's V and M kept to {@code bufferFloats} (tests take small ones: more chunks). */
    CpuWinograd(Parallel parallel, Gemm gemm, DerivedWeights derived, boolean useF4, int bufferFloats) {
        this.parallel = parallel;
        this.gemm = gemm;
        this.derived = derived;
        this.bufferFloats = bufferFloats;
        this.f4 = useF4 ? new WinogradF4(parallel, gemm, derived, rows, bufferFloats) : null;
    }

    /** Floats a forward chunk's V and M keep to ({@link WinogradChunks#rowsPerChunk}). */
    private final int bufferFloats;

    /**
     * System property that turns on F(4x4, 3x3) for forward passes ({@code -Dcortado.winograd.f4=true}). Off by
     * default: its rounding is 10 to 20 times F(2x2)'s, which took VGG-16's output from OpenCV's by 1.2e-4 of the
     * largest value, and its transformed weights and buffers raised ResNet-50's peak at batch 16 by about a third
     * (bench/RESULTS.md, "The session's merges, measured quietly").
     */
    static final String F4_PROPERTY = "cortado.winograd.f4";
    /** Null when forward passes keep F(2x2, 3x3). */
    private final WinogradF4 f4;

    /**
     * Output channels per group from which the saved multiplications outweigh the transforms (the input transform
     * is spread over the output channels, the output transform over the input channels). Per layer, Winograd beat
     * im2col on AlexNet conv3-5 (192 to 384 channels in and out) and lost on SqueezeNet's 3x3 expands with 16 to 48
     * channels in, and on fire4's data gradient run as a forward pass (128 channels in, 32 out) it lost to shifted
     * rows (bench/RESULTS.md, "What helped").
     */
    static final int MIN_CHANNELS = 128;

    /**
     * Input channels per group from which {@link #forward} applies (with {@link #MIN_CHANNELS} out): GoogLeNet's
     * 3x3 layers of 64 to 112 channels in and 128 to 224 out ran faster than on shifted rows (bench/RESULTS.md,
     * "What helped": the Zoo nets); ResNet-50's of 64 in and out, with half the outputs, showed no difference.
     */
    static final int MIN_IN_CHANNELS = 64;

    /**
     * Output channels per group from which {@link #forward} applies on maps that take {@link WinogradF4}: with 64
     * (VGG-16 conv1_2 at 224x224, ResNet-50's res2 at 56x56, SqueezeNet's fire8 data gradient, 256 to 64 at 27x27)
     * it was 0.6 to 0.9 times shifted rows' time, where F(2x2) on 13x13 maps was not faster (bench/RESULTS.md,
     * "Winograd on AVX2"). With F(4x4) off (the default) those layers keep shifted rows ({@link #forwardApplies}).
     */
    static final int MIN_CHANNELS_F4 = 64;

    /** Whether {@link #forward} applies: 3x3 kernel, stride 1, no dilation, enough channels in and out. */
    static boolean applies(ConvGeometry g) {
        int out = g.outChannelsPerGroup();
        return threeByThree(g) && g.inChannelsPerGroup() >= MIN_IN_CHANNELS
                && (out >= MIN_CHANNELS || out >= MIN_CHANNELS_F4 && WinogradF4.pays(g));
    }

    /**
     * Input and output channels per group from which {@link #backwardFilter} is used. Its transforms are spread over
     * the products' other dimension as the forward pass's are, but it replaces a product whose transposed operand
     * costs a packing of its own: from 64 channels in (SqueezeNet fire9's 3x3 expand, 64 to 256 channels at 13x13)
     * it was faster than im2col (see {@link CpuConvolution#filterGradientByWinograd}). Fewer channels were not
     * measured.
     */
    static final int FILTER_GRADIENT_MIN_CHANNELS = 64;

    /** Whether {@link #backwardFilter} applies: 3x3, stride 1, no dilation, and enough channels in and out. */
    static boolean appliesToFilterGradient(ConvGeometry g) {
        return threeByThree(g) && g.inChannelsPerGroup() >= FILTER_GRADIENT_MIN_CHANNELS
                && g.outChannelsPerGroup() >= FILTER_GRADIENT_MIN_CHANNELS;
    }

    private static boolean threeByThree(ConvGeometry g) {
        return g.kernelH() == 3 && g.kernelW() == 3 && g.strideH() == 1 && g.strideW() == 1 && g.dilationH() == 1
                && g.dilationW() == 1;
    }

    /**
     * Whether this instance's {@link #forward} takes layer {@code g}: {@link #applies}, and where only F(4x4) made it
     * pay (fewer than {@link #MIN_CHANNELS} out), only with F(4x4) on.
     */
    boolean forwardApplies(ConvGeometry g) {
        return applies(g) && (f4 != null || g.outChannelsPerGroup() >= MIN_CHANNELS);
    }

    /** Whether forward passes take F(4x4, 3x3) where it pays (turned on by {@value #F4_PROPERTY}). */
    boolean usesF4() {
        return f4 != null;
    }

    /** Whether {@link #forward} runs F(4x4, 3x3) on this layer (which {@link #applies}). */
    boolean takesF4(ConvGeometry g) {
        return f4 != null && WinogradF4.pays(g);
    }

    /** As {@link CpuConvolution#forward}: the ReLU, with {@code relu}, in the output transform. Modified: output. */
    void forward(ConvGeometry g, float[] input, float[] weight, float[] bias, float[] output, boolean relu,
                 int outputChannels, int channelOffset) {
        if (takesF4(g)) {
            f4.forward(g, input, weight, bias, output, relu, outputChannels, channelOffset);
            return;
        }
        int cg = g.inChannelsPerGroup();
        Gemm.PackedA[][] u = derived.get(weight, 0, g.outChannels() * cg * 9,
                new Layout(g.group(), g.outChannelsPerGroup(), cg),
                () -> WinogradChunks.transformWeights(parallel, gemm, g, weight, 4, CpuWinograd::transformFilter));
        WinogradChunks.forward(parallel, gemm, g, 2, XI, TILES_PER_CHUNK, bufferFloats, u, transforms, input, bias,
                output, relu, outputChannels, channelOffset);
    }

    /**
     * As {@link CpuConvolution#backwardFilter}, for a 3x3 stride-1 layer without dilation: {@code dW += dL/dW}. The
     * forward pass is {@code Y = A^T [U . V] A} per tile with {@code U = G g G^T}, so {@code dL/dU = sum over
     * tiles of (A dY A^T) . V} and {@code dL/dg = G^T (dL/dU) G}: the 16 positions' products
     * {@code dU_xi (K x C) += Yhat_xi (K x T) * V_xi^T (T x C)} over every chunk of tiles, with the input's V as in
     * the forward pass, then one transform back per (output, input) channel pair. 2.25 times fewer multiply-adds
     * than im2col + GEMM, as forward. Modified: dweight.
     */
    void backwardFilter(ConvGeometry g, float[] input, float[] dout, float[] dweight) {
        int kg = g.outChannelsPerGroup();
        int cg = g.inChannelsPerGroup();
        int tilesPerImage = ((g.outH() + 1) / 2) * ((g.outW() + 1) / 2);
        int imagesPerChunk = Math.max(1, Math.min(g.batch(), TILES_PER_CHUNK / tilesPerImage));
        // V at the start of the tile array, Yhat after it.
        int yOff = XI * cg * imagesPerChunk * tilesPerImage;
        float[] vy = WinogradChunks.tiles(yOff + XI * kg * imagesPerChunk * tilesPerImage);
        float[] du = ThreadBuffers.atLeast(filterGradient, XI * kg * cg);
        int grain = Math.max(1, 64 / Math.max(1, imagesPerChunk * tilesPerImage / 64));
        for (int grp = 0; grp < g.group(); grp++) {
            int c0 = grp * cg;
            int k0 = grp * kg;
            java.util.Arrays.fill(du, 0, XI * kg * cg, 0f);
            for (int n0 = 0; n0 < g.batch(); n0 += imagesPerChunk) {
                int images = Math.min(imagesPerChunk, g.batch() - n0);
                int t = images * tilesPerImage;
                int first = n0;
                int tilesH = (g.outH() + 1) / 2;
                parallel.forRange(cg, grain, (cs, ce) -> WinogradChunks.input(g, 2, transforms, input,
                        first * tilesH, (first + images) * tilesH, c0, cs, ce, t, cg * t, vy));
                parallel.forRange(kg, grain, (ks, ke) ->
                        transformOutputGradient(g, dout, first, images, k0, ks, ke, t, vy, yOff));
                parallel.forRange(XI, 1, (xs, xe) -> {
                    for (int xi = xs; xi < xe; xi++) {
                        gemm.gemm(false, true, kg, cg, t, 1f, vy, yOff + xi * kg * t, vy, xi * cg * t, 1f, du,
                                xi * kg * cg, false);
                    }
                });
            }
            parallel.forRange(kg, 8, (ks, ke) -> transformFilterGradient(g, du, k0, ks, ke, dweight));
        }
    }

    /**
     * {@code Yhat_xi[k, tile] = (A dY A^T)_xi}, at {@code yhat[yOff]}, for output channels {@code [ks, ke)} of the
     * group starting at k0, for the tiles of {@code images} images from {@code n0}; outputs past the edge (a tile of an odd-sized output) read
     * zero, as the forward pass writes nothing there. {@code A dY A^T} turns each row {@code (p, q)} of the 2x2
     * block into {@code (p, p + q, p - q, -q)}, and the rows likewise.
     */
    private static void transformOutputGradient(ConvGeometry g, float[] dout, int n0, int images, int k0, int ks,
                                                int ke, int t, float[] yhat, int yOff) {
        int outH = g.outH();
        int outW = g.outW();
        int tilesH = (outH + 1) / 2;
        int tilesW = (outW + 1) / 2;
        int stride = g.outChannelsPerGroup() * t;
        int plane = outH * outW;
        for (int k = ks; k < ke; k++) {
            int col = yOff + k * t;
            for (int img = 0; img < images; img++) {
                int src = ((n0 + img) * g.outChannels() + k0 + k) * plane;
                for (int ty = 0; ty < tilesH; ty++) {
                    int y = 2 * ty;
                    boolean secondRow = y + 1 < outH;
                    for (int tx = 0; tx < tilesW; tx++, col++) {
                        int x = 2 * tx;
                        int o = src + y * outW + x;
                        boolean secondColumn = x + 1 < outW;
                        float a = dout[o];
                        float b = secondColumn ? dout[o + 1] : 0f;
                        float c = secondRow ? dout[o + outW] : 0f;
                        float d = secondRow && secondColumn ? dout[o + outW + 1] : 0f;
                        // A dY: rows (a, b), (a + c, b + d), (a - c, b - d), (-c, -d); then each row times A^T.
                        tileRow(yhat, col, 0, stride, a, b);
                        tileRow(yhat, col, 4, stride, a + c, b + d);
                        tileRow(yhat, col, 8, stride, a - c, b - d);
                        tileRow(yhat, col, 12, stride, -c, -d);
                    }
                }
            }
        }
    }

    /** Positions {@code xi0 .. xi0 + 3} of a tile's Yhat: the row {@code (p, q)} times A^T. */
    private static void tileRow(float[] yhat, int col, int xi0, int stride, float p, float q) {
        int at = xi0 * stride + col;
        yhat[at] = p;
        yhat[at + stride] = p + q;
        yhat[at + 2 * stride] = p - q;
        yhat[at + 3 * stride] = -q;
    }

    /**
     * {@code dW[k0 + k, c] += G^T dU[k, c] G} for output channels {@code [ks, ke)}: G^T turns a column
     * {@code (u0, u1, u2, u3)} into {@code (u0 + (u1 + u2)/2, (u1 - u2)/2, (u1 + u2)/2 + u3)}. Modified: dweight.
     */
    private static void transformFilterGradient(ConvGeometry g, float[] du, int k0, int ks, int ke,
                                                float[] dweight) {
        int kg = g.outChannelsPerGroup();
        int cg = g.inChannelsPerGroup();
        int perXi = kg * cg;
        float[] half = new float[12];
        for (int k = ks; k < ke; k++) {
            for (int c = 0; c < cg; c++) {
                int at = k * cg + c;
                // G^T dU: 3 x 4, column by column.
                for (int j = 0; j < 4; j++) {
                    float u0 = du[j * perXi + at];
                    float u1 = du[(4 + j) * perXi + at];
                    float u2 = du[(8 + j) * perXi + at];
                    float u3 = du[(12 + j) * perXi + at];
                    float sum = 0.5f * (u1 + u2);
                    half[j] = u0 + sum;
                    half[4 + j] = 0.5f * (u1 - u2);
                    half[8 + j] = sum + u3;
                }
                // (G^T dU) G: each row of four to three.
                int w = ((k0 + k) * cg + c) * 9;
                for (int i = 0; i < 3; i++) {
                    float r0 = half[4 * i];
                    float r1 = half[4 * i + 1];
                    float r2 = half[4 * i + 2];
                    float r3 = half[4 * i + 3];
                    float sum = 0.5f * (r1 + r2);
                    dweight[w + 3 * i] += r0 + sum;
                    dweight[w + 3 * i + 1] += 0.5f * (r1 - r2);
                    dweight[w + 3 * i + 2] += sum + r3;
                }
            }
        }
    }

    /** Row i of {@code U = G g G^T} for one filter: positions {@code 4i .. 4i + 3}. */
    private static void transformFilter(float[] weight, int w, int i, float[] u, int at, int perXi) {
        // Row i of G g, column by column; then times G^T.
        float t0 = rowOfG(i, weight[w], weight[w + 3], weight[w + 6]);
        float t1 = rowOfG(i, weight[w + 1], weight[w + 4], weight[w + 7]);
        float t2 = rowOfG(i, weight[w + 2], weight[w + 5], weight[w + 8]);
        u[at] = t0;
        u[perXi + at] = 0.5f * (t0 + t1 + t2);
        u[2 * perXi + at] = 0.5f * (t0 - t1 + t2);
        u[3 * perXi + at] = t2;
    }

    /** Row i of G (4x3) times the column {@code (g0, g1, g2)}. */
    private static float rowOfG(int i, float g0, float g1, float g2) {
        return switch (i) {
            case 0 -> g0;
            case 1 -> 0.5f * (g0 + g1 + g2);
            case 2 -> 0.5f * (g0 - g1 + g2);
            default -> g2;
        };
    }

    /** F(2x2)'s transforms of a row of tiles, by {@link WinogradRows}. */
    private record F2Rows(WinogradRows rows) implements WinogradChunks.Transforms {
        @Override
        public int inputWork(int rowLen) {
            return 0;
        }

        /** {@code V_xi = (B^T d B)_xi}. */
        @Override
        public void inputRow(float[] split, int r0, int rowLen, int w1, int tilesW, float[] v, int col, int stride,
                             float[] work) {
            rows.input(split, r0, r0 + rowLen, r0 + 2 * rowLen, r0 + 3 * rowLen, w1, tilesW, v, col, stride);
        }

        @Override
        public int outputWork(int tilesW) {
            return 0;
        }

        /** {@code Y = A^T m A}. */
        @Override
        public void outputRow(float[] m, int col, int stride, int tilesW, float bias, boolean relu, float[] y,
                              float[] work) {
            rows.output(m, col, stride, tilesW, bias, relu, y, 0, tilesW);
        }
    }
}
