package org.cortado.backend.cpu;

import java.util.Arrays;
import org.cortado.backend.ConvGeometry;

/**
 * Convolution as im2col + GEMM per image and group (Caffe's method). A 1x1 stride-1 unpadded convolution skips
 * im2col: its input already is the column matrix. The forward pass of 3x3 stride-1 layers with many channels goes to
 * {@link CpuWinograd} (and so does their filter gradient, where the alternative is im2col), and that of most other
 * layers reads the im2col matrix in place ({@link ShiftedRows}).
 *
 * <p>With at least as many images as threads, the images are split over the threads, each running serial products
 * on its own buffers ({@link #splitBatchWithoutColumns}); passes that write a column matrix per image do so only for
 * small products ({@link #SPLIT_BATCH_MAX_MACS}), and otherwise split each product over the threads, image after
 * image, as every pass does at batch 1. The bias is written into the output before the product accumulates onto it,
 * which saves a pass over the output.
 */
final class CpuConvolution {
    private final Parallel parallel;
    private final Gemm gemm;
    /** One column buffer per calling thread, grown on demand, so that steady-state calls allocate nothing. */
    private final ThreadLocal<float[]> columns = ThreadBuffers.floats();
    /** Per calling thread: a padded copy of one image's group of channels ({@link ShiftedRows}). */
    private final ThreadLocal<float[][]> padded = ThreadLocal.withInitial(() -> new float[1][0]);
    /** Per calling thread: an output gradient packed as the A of a filter gradient's product. */
    private final ThreadLocal<float[]> packedGradients = ThreadBuffers.floats();
    /** Per calling thread: the weights of a data gradient computed as a forward convolution. */
    private final ThreadLocal<float[]> flippedBuffer = ThreadBuffers.floats();
    /** The calling thread's packed weights, one buffer per group, grown on demand. */
    private final ThreadLocal<float[][]> packedWeights = ThreadLocal.withInitial(() -> new float[0][0]);
    /** The calling thread's per-part weight gradients for batch-split backward passes, grown on demand. */
    private final ThreadLocal<float[][]> partialWeights = ThreadLocal.withInitial(() -> new float[0][0]);

    /** System property that sends 3x3 stride-1 layers through im2col too ({@code -Dcortado.winograd=false}). */
    static final String WINOGRAD_PROPERTY = "cortado.winograd";

    /**
     * System property that sends small output maps through the direct product too ({@code -Dcortado.smallmaps=false}:
     * same bits, for A/B runs in one build).
     */
    static final String SMALL_MAPS_PROPERTY = "cortado.smallmaps";

    /** Null when 3x3 stride-1 layers take im2col + GEMM too. */
    private final CpuWinograd winograd;
    /** Forward passes' packed weights, kept while the weights are unchanged. */
    private final DerivedWeights derived = new DerivedWeights();
    /** Forward passes with small output maps, as the transposed product; null when they take the direct one. */
    private final SmallMapConvolution smallMaps;

    /** Whether 3x3 stride-1 layers take {@link CpuWinograd} (which gives other bits than im2col + GEMM). */
    boolean usesWinograd() {
        return winograd != null;
    }

    /** Whether forward passes take Winograd's F(4x4, 3x3) where it pays (it rounds differently from F(2x2)). */
    boolean usesWinogradF4() {
        return winograd != null && winograd.usesF4();
    }

    /** Whether the forward pass of {@code g} runs Winograd's F(4x4, 3x3), whose rounding is F(2x2)'s times ten. */
    boolean takesWinogradF4(ConvGeometry g) {
        return winograd != null && winograd.forwardApplies(g) && winograd.takesF4(g);
    }

    /** Weight arrays whose packed or transformed form is kept between forward passes (for tests). */
    int keptWeightForms() {
        return derived.size();
    }

    /** What a packing of weights depends on besides their values. */
    private record PackLayout(int group, int m, int k, boolean transpose) {
    }

    CpuConvolution(Parallel parallel, Gemm gemm) {
        this(parallel, gemm, !"false".equalsIgnoreCase(System.getProperty(WINOGRAD_PROPERTY)));
    }

    /** {@code useWinograd}: forward 3x3 stride-1 layers by {@link CpuWinograd} (tests compare both paths). */
    CpuConvolution(Parallel parallel, Gemm gemm, boolean useWinograd) {
        this(parallel, gemm, useWinograd, !"false".equalsIgnoreCase(System.getProperty(SMALL_MAPS_PROPERTY)));
    }

    /** {@code useSmallMaps}: forward small output maps by {@link SmallMapConvolution} (tests compare both paths). */
    CpuConvolution(Parallel parallel, Gemm gemm, boolean useWinograd, boolean useSmallMaps) {
        this.parallel = parallel;
        this.gemm = gemm;
        this.winograd = useWinograd ? new CpuWinograd(parallel, gemm, derived) : null;
        this.smallMaps = useSmallMaps ? new SmallMapConvolution(gemm, derived) : null;
    }

    /**
     * For passes that write a column matrix per image (the data gradient by col2im, the filter gradient by im2col):
     * multiply-adds per image and group below which images are split over the threads rather than each product.
     * Splitting the batch of larger products was slower (bench/RESULTS.md, "What helped": each product split over
     * the threads), as two images' column matrices (4-7 MB each) compete for the L3 and a descheduled thread stalls
     * a whole half of the batch; only products too small to split well are left to the batch split.
     */
    static final long SPLIT_BATCH_MAX_MACS = 1L << 22;

    /** For passes that write a column matrix per image: whether to split the batch over threads. */
    private boolean splitBatch(ConvGeometry g) {
        long macs = (long) g.outChannelsPerGroup() * g.outH() * g.outW() * g.patchSize();
        return parallel.threads() > 1 && g.batch() >= parallel.threads() && macs < SPLIT_BATCH_MAX_MACS;
    }

    /**
     * Whether a pass that writes no column matrix per image splits the batch over the threads, whatever the size of
     * its products: forward passes (1x1, shifted rows, and im2col gathered straight into packed panels), 1x1 data
     * gradients, and filter gradients on 1x1 layers and shifted rows. Each image then needs only its own small
     * buffers, and there is one fork per layer instead of one per product; no two threads pack the same panels of B
     * (a product split by rows, as a filter gradient's is, packs its B once per thread). At batch 16 on 2 threads
     * this was faster than splitting each product for the 3x3 and 1x1 layers of SqueezeNet, forward and backward
     * (bench/RESULTS.md, "Figures moved from code comments").
     */
    private boolean splitBatchWithoutColumns(ConvGeometry g) {
        return parallel.threads() > 1 && g.batch() >= parallel.threads();
    }

    /**
     * {@code output = conv(input, weight) + bias}, or its ReLU with {@code relu}: the clamp is applied where each
     * output value is written for the last time, so a fused ReLU costs no pass of its own. Modified: output.
     */
    void forward(ConvGeometry g, float[] input, float[] weight, float[] bias, float[] output, boolean relu) {
        forward(g, input, weight, DerivedWeights.UNCOUNTED, bias, output, relu, g.outChannels(), 0);
    }

    /**
     * As above, into channels {@code [channelOffset, channelOffset + K)} of {@code output}, which holds
     * {@code outputChannels} channels of {@code outH x outW} per image (a concat's slice: each image's part of it is
     * contiguous, so the per-image products write it directly). Other channels are not touched. {@code weightStamp}
     * is the weights' buffer's write stamp, under which their packed or transformed form is kept between calls
     * ({@link DerivedWeights}), or {@link DerivedWeights#UNCOUNTED}. Modified: output.
     */
    void forward(ConvGeometry g, float[] input, float[] weight, long weightStamp, float[] bias, float[] output,
                 boolean relu, int outputChannels, int channelOffset) {
        derived.track(weight, weightStamp);
        if (winograd != null && winograd.forwardApplies(g)) {
            winograd.forward(g, input, weight, bias, output, relu, outputChannels, channelOffset);
            return;
        }
        if (smallMaps != null && smallMaps.applies(g)) {
            smallMaps.forward(g, input, weight, bias, output, relu, outputChannels, channelOffset);
            return;
        }
        int kg = g.outChannelsPerGroup();
        int patch = g.patchSize();
        Gemm.PackedA[] w = derived.get(weight, 0, g.outChannels() * patch, new PackLayout(g.group(), kg, patch, false),
                () -> packWeights(g, weight, false, new float[g.group()][gemm.packedSize(kg, patch)]));
        // The products of (image, group) pairs are split over the threads as wholes where there are enough of them
        // (see splitBatchWithoutColumns), else each product is. At batch 1 that splits a grouped layer's groups,
        // which beat splitting each of their products (AlexNet conv2; bench/RESULTS.md, "What helped").
        int products = g.batch() * g.group();
        if (parallel.threads() > 1 && products >= parallel.threads()) {
            parallel.forRange(products, 1, (s, e) -> {
                for (int u = s; u < e; u++) {
                    forwardGroup(g, u / g.group(), u % g.group(), input, w, bias, output, false, relu,
                            outputChannels, channelOffset);
                }
            });
        } else {
            for (int u = 0; u < products; u++) {
                forwardGroup(g, u / g.group(), u % g.group(), input, w, bias, output, true, relu, outputChannels,
                        channelOffset);
            }
        }
    }

    /**
     * Each group's weights ({@code K/g x patch}, or its transpose for the data gradient) packed once for all images
     * of the call, into buffers of the calling thread.
     */
    private Gemm.PackedA[] packWeights(ConvGeometry g, float[] weight, boolean transpose) {
        int kg = g.outChannelsPerGroup();
        int patch = g.patchSize();
        int size = gemm.packedSize(transpose ? patch : kg, transpose ? kg : patch);
        float[][] buffers = packedWeights.get();
        if (buffers.length < g.group() || buffers[0].length < size) {
            buffers = new float[Math.max(g.group(), buffers.length)][Math.max(size,
                    buffers.length == 0 ? 0 : buffers[0].length)];
            packedWeights.set(buffers);
        }
        return packWeights(g, weight, transpose, buffers);
    }

    /** As {@link #packWeights(ConvGeometry, float[], boolean)}, into {@code buffers} (one per group; modified). */
    private Gemm.PackedA[] packWeights(ConvGeometry g, float[] weight, boolean transpose, float[][] buffers) {
        int kg = g.outChannelsPerGroup();
        int patch = g.patchSize();
        int m = transpose ? patch : kg;
        int k = transpose ? kg : patch;
        Gemm.PackedA[] packed = new Gemm.PackedA[g.group()];
        for (int grp = 0; grp < g.group(); grp++) {
            packed[grp] = gemm.pack(transpose, m, k, 1f, weight, grp * kg * patch, buffers[grp], true);
        }
        return packed;
    }

    /** The forward product of image {@code n}, group {@code grp}. */
    private void forwardGroup(ConvGeometry g, int n, int grp, float[] input, Gemm.PackedA[] weight, float[] bias,
                              float[] output, boolean parallelize, boolean relu, int outputChannels,
                              int channelOffset) {
        int outHW = g.outH() * g.outW();
        int inHW = g.inH() * g.inW();
        int kg = g.outChannelsPerGroup();
        int c0 = grp * g.inChannelsPerGroup();
        int outOff = (n * outputChannels + channelOffset + grp * kg) * outHW;
        int imgOff = n * g.inChannels() * inHW;
        // The bias initialises the output inside the product: one pass over the output instead of three. The im2col
        // matrix is never materialised: the product reads it in place, or gathers each block of it as it packs.
        if (g.isPointwise()) {
            gemm.gemmWithRowInit(weight[grp], false, outHW, input, imgOff + c0 * inHW, bias, grp * kg, output,
                    outOff, parallelize, relu);
        } else if (isPaddedOrStridedPointwise(g)) {
            float[] sub = subsample(g, input, imgOff + c0 * inHW, padded.get());
            gemm.gemmWithRowInit(weight[grp], false, outHW, sub, 0, bias, grp * kg, output, outOff, parallelize,
                    relu);
        } else if (ShiftedRows.appliesToForward(g)) {
            ShiftedRows rows = ShiftedRows.of(g, input, imgOff, c0, padded.get());
            gemm.gemmWithRowInit(weight[grp], rows, rows.columns(), bias, grp * kg, output, outOff, parallelize,
                    relu);
        } else {
            Im2col.Columns columns = Im2col.columns(g, input, imgOff, c0, padded.get());
            gemm.gemmWithRowInit(weight[grp], (pc, kc, jc, nc, nr, bp) ->
                    Im2col.packPanel(g, columns, pc, kc, jc, nc, nr, bp), outHW, bias, grp * kg, output, outOff,
                    parallelize, relu);
        }
    }

    /**
     * Whether {@code g} is a 1x1 layer with a stride or padding (ResNet's projections, SqueezeNet v1.0's conv_final):
     * it reads every stride-th pixel, or zeros, which {@link #subsample} gathers into a plain matrix, so that the
     * product is a pointwise one: 15-36% faster than reading it as {@link ShiftedRows} (in place, each block of the
     * product scattered to the output; bench/RESULTS.md, "GEMM-based convolutions on AVX2").
     */
    static boolean isPaddedOrStridedPointwise(ConvGeometry g) {
        return g.kernelH() == 1 && g.kernelW() == 1 && !g.isPointwise();
    }

    /**
     * The pixels a 1x1 layer reads, zero where they fall in the padding, for the group's channels starting at
     * {@code from}: a {@code C/group x outH*outW} matrix in {@code holder[0]} (the caller's buffer, grown here).
     */
    static float[] subsample(ConvGeometry g, float[] input, int from, float[][] holder) {
        int outH = g.outH();
        int outW = g.outW();
        int size = g.inChannelsPerGroup() * outH * outW;
        if (holder[0].length < size) {
            holder[0] = new float[size];
        }
        float[] sub = holder[0];
        int sh = g.strideH();
        int sw = g.strideW();
        // Output columns whose pixel ox*sw - padW lies in the image: [ox0, ox1).
        int ox0 = Math.min(outW, (g.padW() + sw - 1) / sw);
        int ox1 = Math.max(ox0, Math.min(outW, (g.inW() + g.padW() + sw - 1) / sw));
        int d = 0;
        for (int c = 0; c < g.inChannelsPerGroup(); c++) {
            for (int oy = 0; oy < outH; oy++, d += outW) {
                int iy = oy * sh - g.padH();
                if (iy < 0 || iy >= g.inH()) {
                    Arrays.fill(sub, d, d + outW, 0f);
                    continue;
                }
                Zeros.fill(sub, d, d + ox0);
                int src = from + (c * g.inH() + iy) * g.inW() + ox0 * sw - g.padW();
                for (int ox = ox0; ox < ox1; ox++, src += sw) {
                    sub[d + ox] = input[src];
                }
                Zeros.fill(sub, d + ox1, d + outW);
            }
        }
        return sub;
    }

    /** {@code dinp} is overwritten. */
    void backwardData(ConvGeometry g, float[] weight, float[] dout, float[] dinp) {
        if (backwardDataAsForward(g)) {
            forward(backwardDataGeometry(g), dout, flippedWeights(g, weight), null, dinp, false);
            return;
        }
        Gemm.PackedA[] w = packWeights(g, weight, true);
        if (g.isPointwise() ? splitBatchWithoutColumns(g) : splitBatch(g)) {
            parallel.forRange(g.batch(), 1, (s, e) -> {
                for (int n = s; n < e; n++) {
                    backwardDataImage(g, n, w, dout, dinp, false);
                }
            });
        } else {
            for (int n = 0; n < g.batch(); n++) {
                backwardDataImage(g, n, w, dout, dinp, true);
            }
        }
    }

    /**
     * Whether the data gradient of {@code g} is computed as a forward convolution: with stride 1, the gradient
     * {@code dIn[c, y, x] = sum dOut[k, y + padH - ky*dh, x + padW - kx*dw] * W[k, c, ky, kx]} is a convolution of
     * dOut, padded by {@code dh*(kh-1) - padH}, with the weights transposed (K and C swapped) and flipped in space,
     * so it runs on the forward paths (Winograd, shifted rows) instead of a product into a column matrix and col2im's
     * scattered adds, which were slower (bench/RESULTS.md, "Figures moved from code comments"). The padding must not
     * exceed the kernel's reach, and 1x1 layers keep their single product.
     */
    static boolean backwardDataAsForward(ConvGeometry g) {
        return g.strideH() == 1 && g.strideW() == 1 && !g.isPointwise()
                && g.padH() <= g.dilationH() * (g.kernelH() - 1) && g.padW() <= g.dilationW() * (g.kernelW() - 1);
    }

    /** The forward convolution that computes {@code g}'s data gradient: dOut in, dIn out, K and C swapped. */
    static ConvGeometry backwardDataGeometry(ConvGeometry g) {
        return new ConvGeometry(g.batch(), g.outChannels(), g.outH(), g.outW(), g.inChannels(), g.kernelH(),
                g.kernelW(), 1, 1, g.dilationH() * (g.kernelH() - 1) - g.padH(),
                g.dilationW() * (g.kernelW() - 1) - g.padW(), g.dilationH(), g.dilationW(), g.group());
    }

    /**
     * The weights of {@link #backwardDataGeometry}: {@code W'[grp*C/g + c, k, ky, kx] = W[grp*K/g + k, c, kh-1-ky,
     * kw-1-kx]}, in the calling thread's buffer (one array per thread, so that the forward pass's derived forms key
     * on it, and are re-derived when its contents change).
     */
    private float[] flippedWeights(ConvGeometry g, float[] weight) {
        int kg = g.outChannelsPerGroup();
        int cg = g.inChannelsPerGroup();
        int kh = g.kernelH();
        int kw = g.kernelW();
        int size = g.outChannels() * g.patchSize();
        float[] flipped = ThreadBuffers.atLeast(flippedBuffer, size);
        int taps = kh * kw;
        for (int grp = 0; grp < g.group(); grp++) {
            for (int k = 0; k < kg; k++) {
                for (int c = 0; c < cg; c++) {
                    int from = ((grp * kg + k) * cg + c) * taps;
                    int to = ((grp * cg + c) * kg + k) * taps;
                    for (int t = 0; t < taps; t++) {
                        flipped[to + taps - 1 - t] = weight[from + t];
                    }
                }
            }
        }
        return flipped;
    }

    private void backwardDataImage(ConvGeometry g, int n, Gemm.PackedA[] weight, float[] dout, float[] dinp,
                                   boolean parallelize) {
        int outHW = g.outH() * g.outW();
        int inHW = g.inH() * g.inW();
        int kg = g.outChannelsPerGroup();
        int cg = g.inChannelsPerGroup();
        int patch = g.patchSize();
        float[] col = g.isPointwise() ? null : columnBuffer(patch * outHW);
        int imgOff = n * g.inChannels() * inHW;
        if (!g.isPointwise()) {
            Arrays.fill(dinp, imgOff, imgOff + g.inChannels() * inHW, 0f);
        }
        for (int grp = 0; grp < g.group(); grp++) {
            int outOff = (n * g.outChannels() + grp * kg) * outHW;
            int c0 = grp * cg;
            if (g.isPointwise()) {
                gemm.gemm(weight[grp], false, outHW, dout, outOff, 0f, dinp, imgOff + c0 * inHW, parallelize);
            } else {
                gemm.gemm(weight[grp], false, outHW, dout, outOff, 0f, col, 0, parallelize);
                if (parallelize) {
                    parallel.forRange(cg, 1, (s, e) -> Im2col.col2im(g, col, dinp, imgOff, c0, s, e));
                } else {
                    Im2col.col2im(g, col, dinp, imgOff, c0, 0, cg);
                }
            }
        }
    }

    /**
     * Whether the filter gradient of {@code g} goes to {@link CpuWinograd} (when it is on): where it applies
     * ({@link CpuWinograd#appliesToFilterGradient}) and the alternative is im2col, which writes a column matrix per
     * image and splits each product over the threads. Where {@link ShiftedRows} applies, its batch split did as well
     * or better in a whole training step (AlexNet conv4, conv5); against im2col Winograd won (AlexNet conv3,
     * SqueezeNet fire9's 3x3 expand). Figures in bench/RESULTS.md ("What helped": the filter gradient of Winograd
     * layers; "Figures moved from code comments").
     */
    static boolean filterGradientByWinograd(ConvGeometry g) {
        return CpuWinograd.appliesToFilterGradient(g) && !ShiftedRows.applies(g);
    }

    /** {@code dweight} is accumulated. */
    void backwardFilter(ConvGeometry g, float[] input, float[] dout, float[] dweight) {
        if (winograd != null && filterGradientByWinograd(g)) {
            winograd.backwardFilter(g, input, dout, dweight);
            return;
        }
        boolean withoutColumns = g.isPointwise() || ShiftedRows.applies(g);
        if (!(withoutColumns ? splitBatchWithoutColumns(g) : splitBatch(g))) {
            for (int n = 0; n < g.batch(); n++) {
                backwardFilterImage(g, n, input, dout, dweight, true);
            }
            return;
        }
        // Each part sums its images' gradients privately (buffers owned by the calling thread, which waits, one per
        // part since one worker may run several parts); the partial sums are added once at the end.
        int size = g.outChannels() * g.patchSize();
        int parts = parallel.threads();
        float[][] partials = partialBuffers(parts, size);
        parallel.forRange(parts, 1, (s, e) -> {
            for (int part = s; part < e; part++) {
                for (int n = g.batch() * part / parts; n < g.batch() * (part + 1) / parts; n++) {
                    backwardFilterImage(g, n, input, dout, partials[part], false);
                }
            }
        });
        for (int part = 0; part < parts; part++) {
            float[] own = partials[part];
            for (int i = 0; i < size; i++) {
                dweight[i] += own[i];
            }
        }
    }

    private void backwardFilterImage(ConvGeometry g, int n, float[] input, float[] dout, float[] dweight,
                                     boolean parallelize) {
        int outHW = g.outH() * g.outW();
        int inHW = g.inH() * g.inW();
        int kg = g.outChannelsPerGroup();
        int cg = g.inChannelsPerGroup();
        int patch = g.patchSize();
        boolean shifted = ShiftedRows.applies(g);
        float[] col = g.isPointwise() || shifted ? null : columnBuffer(patch * outHW);
        int imgOff = n * g.inChannels() * inHW;
        for (int grp = 0; grp < g.group(); grp++) {
            int outOff = (n * g.outChannels() + grp * kg) * outHW;
            int wOff = grp * kg * patch;
            int c0 = grp * cg;
            if (g.isPointwise()) {
                gemm.gemm(false, true, kg, patch, outHW, 1f, dout, outOff, input, imgOff + c0 * inHW, 1f, dweight,
                        wOff, parallelize);
            } else if (shifted) {
                // dW += dOut * im2col^T with im2col's rows read from the padded image, dOut packed on its grid.
                ShiftedRows rows = ShiftedRows.of(g, input, imgOff, c0, padded.get());
                Gemm.PackedA a = rows.packOnGrid(gemm, dout, outOff, kg,
                        ThreadBuffers.atLeast(packedGradients, gemm.packedSize(kg, rows.columns())), parallelize);
                gemm.gemmAccumulate(a, rows.transposed(), patch, dweight, wOff, parallelize);
            } else {
                im2col(g, input, imgOff, c0, col, parallelize);
                gemm.gemm(false, true, kg, patch, outHW, 1f, dout, outOff, col, 0, 1f, dweight, wOff, parallelize);
            }
        }
    }

    private void im2col(ConvGeometry g, float[] input, int imgOff, int c0, float[] col, boolean parallelize) {
        if (parallelize) {
            parallel.forRange(g.patchSize(), 8, (s, e) -> Im2col.im2col(g, input, imgOff, c0, col, s, e));
        } else {
            Im2col.im2col(g, input, imgOff, c0, col, 0, g.patchSize());
        }
    }

    private float[] columnBuffer(int size) {
        return ThreadBuffers.atLeast(columns, size);
    }

    /** {@code parts} zeroed buffers of {@code size} floats, owned by the calling thread. */
    private float[][] partialBuffers(int parts, int size) {
        float[][] bufs = partialWeights.get();
        if (bufs.length < parts || bufs[0].length < size) {
            bufs = new float[parts][size];
            partialWeights.set(bufs);
        } else {
            for (float[] b : bufs) {
                Arrays.fill(b, 0, size, 0f);
            }
        }
        return bufs;
    }
}
