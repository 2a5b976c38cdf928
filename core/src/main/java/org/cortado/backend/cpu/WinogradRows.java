package org.cortado.backend.cpu;

/**
 * The inner loops of {@link CpuWinograd}'s F(2x2, 3x3) transforms over one row of tiles, tile index in the innermost
 * loop so that consecutive tiles sit in consecutive lanes. The input rows come split into even and odd columns:
 * tile {@code tx} of a row then reads columns {@code 2tx .. 2tx + 3} as {@code even[tx], odd[tx], even[tx + 1],
 * odd[tx + 1]}, four unit-stride runs instead of a stride-2 gather. Two implementations with the same results bit
 * for bit: {@link JavaWinogradRows} (plain loops) and {@link VectorWinogradRows} (the Vector API, every lane doing
 * the same float operations in the same order), chosen as {@link GemmKernel#best()} chooses.
 */
interface WinogradRows {
    /**
     * {@code V_xi = (B^T d B)_xi} for {@code tiles} tiles: padded input row i (i = 0..3) of the tiles has its even
     * columns at {@code rows[r_i + x]} and its odd ones at {@code rows[r_i + odd + x]}, for {@code x <= tiles};
     * position xi of tile tx goes to {@code v[off + xi * stride + tx]}.
     */
    void input(float[] rows, int r0, int r1, int r2, int r3, int odd, int tiles, float[] v, int off, int stride);

    /**
     * {@code Y = A^T m A + bias} for {@code tiles} tiles, each clamped at zero with {@code relu}: position xi of tile
     * tx is {@code m[off + xi * stride + tx]}; the 2x2 block's value (p, q) goes to
     * {@code y[yOff + (2p + q) * w + tx]}.
     */
    void output(float[] m, int off, int stride, int tiles, float bias, boolean relu, float[] y, int yOff, int w);

    /**
     * F(4x4, 3x3)'s {@code B^T} applied to six values per lane: for {@code x < len}, with {@code d_k = src[o_k + x]},
     * {@code dst[d0 + i * dStride + x] = (B^T d)_i}. Run over six padded input rows it transforms the rows of
     * {@code len} columns; run over one transformed row split into phases mod 4, the columns of {@code len} tiles.
     */
    void inputF4(float[] src, int o0, int o1, int o2, int o3, int o4, int o5, int len, float[] dst, int d0,
                 int dStride);

    /**
     * F(4x4, 3x3)'s {@code A^T} applied to six values per lane, plus {@code bias} and clamped at zero with
     * {@code relu}: for {@code x < len}, {@code dst[d0 + p * dStride + x] = (A^T m)_p + bias}, {@code m_k =
     * src[o_k + x]}.
     */
    void outputF4(float[] src, int o0, int o1, int o2, int o3, int o4, int o5, int len, float bias, boolean relu,
                  float[] dst, int d0, int dStride);

    /** The fastest implementation this JVM runs. */
    static WinogradRows best() {
        return Simd.best(() -> new VectorWinogradRows(), JavaWinogradRows::new);
    }
}
