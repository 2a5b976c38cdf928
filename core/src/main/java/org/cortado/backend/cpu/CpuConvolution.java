package org.cortado.backend.cpu;

import org.cortado.backend.ConvGeometry;

/**
 * Convolution as im2col + GEMM per image and group (Caffe's method). A 1x1 stride-1 unpadded convolution skips
 * im2col: its input already is the column matrix.
 */
final class CpuConvolution {
    private final Parallel parallel;
    private final Gemm gemm;
    /** One column buffer per calling thread, grown on demand, so that steady-state calls allocate nothing. */
    private final ThreadLocal<float[]> columns = ThreadLocal.withInitial(() -> new float[0]);

    CpuConvolution(Parallel parallel, Gemm gemm) {
        this.parallel = parallel;
        this.gemm = gemm;
    }

    void forward(ConvGeometry g, float[] input, float[] weight, float[] bias, float[] output) {
        int outHW = g.outH() * g.outW();
        int inHW = g.inH() * g.inW();
        int kg = g.outChannelsPerGroup();
        int cg = g.inChannelsPerGroup();
        int patch = g.patchSize();
        float[] col = g.isPointwise() ? null : columnBuffer(patch * outHW);
        for (int n = 0; n < g.batch(); n++) {
            for (int grp = 0; grp < g.group(); grp++) {
                int outOff = (n * g.outChannels() + grp * kg) * outHW;
                int wOff = grp * kg * patch;
                if (g.isPointwise()) {
                    int inOff = (n * g.inChannels() + grp * cg) * inHW;
                    gemm.gemm(false, false, kg, outHW, patch, 1f, weight, wOff, input, inOff, 0f, output, outOff);
                } else {
                    int imgOff = n * g.inChannels() * inHW;
                    int c0 = grp * cg;
                    parallel.forRange(patch, 8, (s, e) -> Im2col.im2col(g, input, imgOff, c0, col, s, e));
                    gemm.gemm(false, false, kg, outHW, patch, 1f, weight, wOff, col, 0, 0f, output, outOff);
                }
            }
            if (bias != null) {
                int base = n * g.outChannels() * outHW;
                parallel.forRange(g.outChannels(), 4, (s, e) -> {
                    for (int c = s; c < e; c++) {
                        float b = bias[c];
                        int off = base + c * outHW;
                        for (int i = 0; i < outHW; i++) {
                            output[off + i] += b;
                        }
                    }
                });
            }
        }
    }

    /** {@code dinp} is overwritten. */
    void backwardData(ConvGeometry g, float[] weight, float[] dout, float[] dinp) {
        int outHW = g.outH() * g.outW();
        int inHW = g.inH() * g.inW();
        int kg = g.outChannelsPerGroup();
        int cg = g.inChannelsPerGroup();
        int patch = g.patchSize();
        float[] col = g.isPointwise() ? null : columnBuffer(patch * outHW);
        for (int n = 0; n < g.batch(); n++) {
            int imgOff = n * g.inChannels() * inHW;
            if (!g.isPointwise()) {
                java.util.Arrays.fill(dinp, imgOff, imgOff + g.inChannels() * inHW, 0f);
            }
            for (int grp = 0; grp < g.group(); grp++) {
                int outOff = (n * g.outChannels() + grp * kg) * outHW;
                int wOff = grp * kg * patch;
                if (g.isPointwise()) {
                    int inOff = imgOff + grp * cg * inHW;
                    gemm.gemm(true, false, patch, outHW, kg, 1f, weight, wOff, dout, outOff, 0f, dinp, inOff);
                } else {
                    gemm.gemm(true, false, patch, outHW, kg, 1f, weight, wOff, dout, outOff, 0f, col, 0);
                    int c0 = grp * cg;
                    parallel.forRange(cg, 1, (s, e) -> Im2col.col2im(g, col, dinp, imgOff, c0, s, e));
                }
            }
        }
    }

    /** {@code dweight} is accumulated. */
    void backwardFilter(ConvGeometry g, float[] input, float[] dout, float[] dweight) {
        int outHW = g.outH() * g.outW();
        int inHW = g.inH() * g.inW();
        int kg = g.outChannelsPerGroup();
        int cg = g.inChannelsPerGroup();
        int patch = g.patchSize();
        float[] col = g.isPointwise() ? null : columnBuffer(patch * outHW);
        for (int n = 0; n < g.batch(); n++) {
            int imgOff = n * g.inChannels() * inHW;
            for (int grp = 0; grp < g.group(); grp++) {
                int outOff = (n * g.outChannels() + grp * kg) * outHW;
                int wOff = grp * kg * patch;
                if (g.isPointwise()) {
                    int inOff = imgOff + grp * cg * inHW;
                    gemm.gemm(false, true, kg, patch, outHW, 1f, dout, outOff, input, inOff, 1f, dweight, wOff);
                } else {
                    int c0 = grp * cg;
                    parallel.forRange(patch, 8, (s, e) -> Im2col.im2col(g, input, imgOff, c0, col, s, e));
                    gemm.gemm(false, true, kg, patch, outHW, 1f, dout, outOff, col, 0, 1f, dweight, wOff);
                }
            }
        }
    }

    private float[] columnBuffer(int size) {
        float[] col = columns.get();
        if (col.length < size) {
            col = new float[size];
            columns.set(col);
        }
        return col;
    }
}
