package org.cortado.backend.cpu;

import org.cortado.backend.ConvGeometry;

/**
 * Forward convolutions with small output maps and many outputs (7x7 and 6x6: ResNet-50's res5, NIN's last layers)
 * as the transposed product {@code out^T = cols^T * W^T}: the output pixels are the rows of the register tile and the
 * output channels its columns. On AVX-512's 8x32 tile, 49 pixels as columns fill 2 strips of 32 (77% of the lanes)
 * and 36 fill 2 (56%); as rows they fill 7 strips of 8 (88%) and 5 (90%), while the hundreds of output channels fill
 * whole strips of columns (AVX2's 6x16 tile: 77% and 75% against 91% and 100%).
 *
 * <p>The weights, the product's B, are packed once whole ({@link PackedB}) and kept while unchanged
 * ({@link DerivedWeights}); each image's input (its im2col matrix, or its pixels for a 1x1 layer) is packed as A. The
 * product lands in a buffer preset to the bias, which is then written to the output transposed, with the ReLU.
 * Same bits as the direct product where that one packs its B: each output is the bias plus the same products in
 * the same K blocks, each block summed in the same order (the tile's lanes run over other indices, not over K).
 */
final class SmallMapConvolution {
    private final Gemm gemm;
    private final DerivedWeights derived;
    /** Per calling thread: the packed A (one image's transposed input). */
    private final ThreadLocal<float[]> packedInput = ThreadBuffers.floats();
    /** Per calling thread: an image's im2col matrix, or its subsampled pixels. */
    private final ThreadLocal<float[][]> gathered = ThreadLocal.withInitial(() -> new float[1][0]);
    /** Per calling thread: the transposed product, pixels by channels. */
    private final ThreadLocal<float[]> product = ThreadBuffers.floats();

    /** What the packed weights depend on besides their values. */
    private record Layout(int k, int n, int nr) {
    }

    SmallMapConvolution(Gemm gemm, DerivedWeights derived) {
        this.gemm = gemm;
        this.derived = derived;
    }

    /**
     * Whether {@code g}'s forward pass goes this way: one group, an output map of at most {@link #MAX_PIXELS} pixels
     * that leave fewer tile lanes idle as rows than as columns, and at least {@link #MIN_OUTPUTS} output channels.
     */
    boolean applies(ConvGeometry g) {
        int pixels = g.outH() * g.outW();
        int mr = gemm.mr();
        int nr = gemm.nr();
        int asRows = (pixels + mr - 1) / mr * mr;
        int asColumns = (pixels + nr - 1) / nr * nr;
        return g.group() == 1 && pixels <= MAX_PIXELS && g.outChannels() >= MIN_OUTPUTS && asRows < asColumns;
    }

    /**
     * The largest map taken: 14x14 maps (ResNet-50's res4 1x1 layers) were 15% slower this way, 7x7 ones faster
     * (bench/RESULTS.md, "Batch 1 beside OpenCV").
     */
    static final int MAX_PIXELS = 64;
    /**
     * The fewest output channels taken: the packing of the input and the transposed write cost about as much per
     * layer whatever the channels, and the 128-384-output layers of GoogLeNet's 5a/5b gained nothing or lost, where
     * ResNet-50's 512-2048-output res5 layers and NIN's 1000-1024-output ones gained 7-25% (same place).
     */
    static final int MIN_OUTPUTS = 512;

    /** As {@link CpuConvolution#forward}, for a {@code g} that {@link #applies}. Modified: output. */
    void forward(ConvGeometry g, float[] input, float[] weight, float[] bias, float[] output, boolean relu,
                 int outputChannels, int channelOffset) {
        int pixels = g.outH() * g.outW();
        int k = g.patchSize();
        int m = g.outChannels();
        int nr = gemm.nr();
        PackedB w = derived.get(weight, 0, m * k, new Layout(k, m, nr),
                () -> PackedB.of(true, k, m, weight, 0, nr));
        int inSize = g.inChannels() * g.inH() * g.inW();
        for (int n = 0; n < g.batch(); n++) {
            int imgOff = n * inSize;
            float[] cols;
            int colsOff;
            if (g.isPointwise()) {
                cols = input;
                colsOff = imgOff;
            } else if (CpuConvolution.isPaddedOrStridedPointwise(g)) {
                cols = CpuConvolution.subsample(g, input, imgOff, gathered.get());
                colsOff = 0;
            } else {
                float[][] holder = gathered.get();
                if (holder[0].length < k * pixels) {
                    holder[0] = new float[k * pixels];
                }
                cols = holder[0];
                colsOff = 0;
                Im2col.im2col(g, input, imgOff, 0, cols, 0, k);
            }
            Gemm.PackedA a = packTransposed(cols, colsOff, pixels, k);
            float[] t = ThreadBuffers.atLeast(product, pixels * m);
            for (int i = 0; i < pixels; i++) {
                if (bias == null) {
                    java.util.Arrays.fill(t, i * m, (i + 1) * m, 0f);
                } else {
                    System.arraycopy(bias, 0, t, i * m, m);
                }
            }
            gemm.gemmAccumulate(a, w, m, t, 0, true);
            writeTransposed(t, m, pixels, relu, output, (n * outputChannels + channelOffset) * pixels);
        }
    }

    /** Channels per block of the transposed write: a block of the output (at most 64 x 64 floats) stays in L1. */
    private static final int WRITE_BLOCK = 64;

    /**
     * The product's A, {@code cols^T} ({@code pixels x k}; cols is {@code k x pixels} at {@code off}), packed in
     * strips of MR pixels: {@code data[t*MR*k + p*MR + r] = cols[p][t*MR + r]}, zero past the last pixel. Row by row
     * of cols, each row read once in order and cut into the strips.
     */
    private Gemm.PackedA packTransposed(float[] cols, int off, int pixels, int k) {
        int mr = gemm.mr();
        int strips = (pixels + mr - 1) / mr;
        float[] data = ThreadBuffers.atLeast(packedInput, strips * mr * k);
        for (int p = 0; p < k; p++) {
            int src = off + p * pixels;
            for (int t = 0; t < strips; t++) {
                int dst = t * mr * k + p * mr;
                int valid = Math.min(mr, pixels - t * mr);
                System.arraycopy(cols, src + t * mr, data, dst, valid);
                for (int r = valid; r < mr; r++) {
                    data[dst + r] = 0f;
                }
            }
        }
        return new Gemm.PackedA(pixels, k, mr, data);
    }

    /**
     * {@code output[outOff + j*pixels + i] = t[i*m + j]} (clamped at zero with {@code relu}, as the kernel's ReLU
     * does), a block of channels at a time so that both sides of the block stay in L1. Modified: output.
     */
    private static void writeTransposed(float[] t, int m, int pixels, boolean relu, float[] output, int outOff) {
        for (int j0 = 0; j0 < m; j0 += WRITE_BLOCK) {
            int j1 = Math.min(m, j0 + WRITE_BLOCK);
            for (int i = 0; i < pixels; i++) {
                int src = i * m;
                for (int j = j0; j < j1; j++) {
                    float v = t[src + j];
                    output[outOff + j * pixels + i] = relu ? Math.max(v, 0f) : v;
                }
            }
        }
    }
}
