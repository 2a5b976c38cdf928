package org.cortado.backend.cpu;

/**
 * A whole {@code k x n} op(B) packed once in strips of {@code nr} columns over its full K: strip s holds
 * {@code data[s*k*nr + p*nr + q] = op(B)[p, s*nr + q]}, zero past column n. Any K block of a strip is then a
 * contiguous packed panel ({@code kc*nr} floats from {@code s*k*nr + pc*nr}), so that {@link Gemm} reads it where it
 * lies instead of packing per block: for a B used by many products, as a convolution's weights are when they are
 * the B of the transposed product ({@link SmallMapConvolution}), and are kept between calls ({@link DerivedWeights}).
 */
record PackedB(int k, int n, int nr, float[] data) implements Gemm.PanelSource {
    /** {@code op(B)} with {@code transB}: B stored {@code n x k} at {@code bOff} (a weight matrix's rows), else {@code k x n}. */
    static PackedB of(boolean transB, int k, int n, float[] b, int bOff, int nr) {
        int strips = (n + nr - 1) / nr;
        float[] data = new float[strips * k * nr];
        for (int s = 0; s < strips; s++) {
            int base = s * k * nr;
            for (int q = 0; q < nr && s * nr + q < n; q++) {
                int j = s * nr + q;
                if (transB) {
                    // Row j of the stored B is column j of op(B): read along it, write every nr-th float.
                    for (int p = 0, src = bOff + j * k; p < k; p++) {
                        data[base + p * nr + q] = b[src + p];
                    }
                } else {
                    for (int p = 0; p < k; p++) {
                        data[base + p * nr + q] = b[bOff + p * n + j];
                    }
                }
            }
        }
        return new PackedB(k, n, nr, data);
    }

    /** Where the packed panel of rows {@code [pc, ...)} of the strip holding column {@code j} starts in {@link #data}. */
    int panel(int pc, int j) {
        return j / nr * k * nr + pc * nr;
    }

    /** A copy of the block (the generic path; {@link Gemm} reads the panels in place instead). */
    @Override
    public void pack(int pc, int kc, int jc, int nc, int stripWidth, float[] bp) {
        if (stripWidth != nr || jc % nr != 0) {
            throw new IllegalArgumentException("packed in strips of " + nr + " columns, asked for " + stripWidth
                    + " from column " + jc);
        }
        for (int s = 0; s * nr < nc; s++) {
            System.arraycopy(data, panel(pc, jc + s * nr), bp, s * kc * nr, kc * nr);
        }
    }
}
