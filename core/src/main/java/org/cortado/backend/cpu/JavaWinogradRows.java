package org.cortado.backend.cpu;

/** {@link WinogradRows} in plain loops: the reference for {@link VectorWinogradRows}, and the vectors' tails. */
final class JavaWinogradRows implements WinogradRows {
    @Override
    public void input(float[] rows, int r0, int r1, int r2, int r3, int odd, int tiles, float[] v, int off,
                      int stride) {
        for (int tx = 0; tx < tiles; tx++) {
            // B^T d: the rows (d0 - d2, d1 + d2, d2 - d1, d1 - d3), each at the tile's four columns.
            inputRow(v, off + tx, 0, stride, rows, r0 + tx, r2 + tx, odd, -1);
            inputRow(v, off + tx, 4, stride, rows, r1 + tx, r2 + tx, odd, 1);
            inputRow(v, off + tx, 8, stride, rows, r2 + tx, r1 + tx, odd, -1);
            inputRow(v, off + tx, 12, stride, rows, r1 + tx, r3 + tx, odd, -1);
        }
    }

    /**
     * Positions {@code xi0 .. xi0 + 3}: the row {@code a + sign * b} (a, b: even columns at the given offsets, odd
     * ones {@code odd} further), times B.
     */
    private static void inputRow(float[] v, int at, int xi0, int stride, float[] rows, int a, int b, int odd,
                                 int sign) {
        float e0 = combine(rows[a], rows[b], sign);
        float e1 = combine(rows[a + odd], rows[b + odd], sign);
        float e2 = combine(rows[a + 1], rows[b + 1], sign);
        float e3 = combine(rows[a + odd + 1], rows[b + odd + 1], sign);
        int o = at + xi0 * stride;
        v[o] = e0 - e2;
        v[o + stride] = e1 + e2;
        v[o + 2 * stride] = e2 - e1;
        v[o + 3 * stride] = e1 - e3;
    }

    private static float combine(float a, float b, int sign) {
        return sign > 0 ? a + b : a - b;
    }

    @Override
    public void output(float[] m, int off, int stride, int tiles, float bias, boolean relu, float[] y, int yOff,
                       int w) {
        for (int tx = 0; tx < tiles; tx++) {
            int at = off + tx;
            // A^T m: row 0 is m0 + m1 + m2, row 1 is m1 - m2 - m3 (m_i: the tile's row i), column by column.
            float t0 = m[at] + m[at + 4 * stride] + m[at + 8 * stride];
            float t1 = m[at + stride] + m[at + 5 * stride] + m[at + 9 * stride];
            float t2 = m[at + 2 * stride] + m[at + 6 * stride] + m[at + 10 * stride];
            float t3 = m[at + 3 * stride] + m[at + 7 * stride] + m[at + 11 * stride];
            float b0 = m[at + 4 * stride] - m[at + 8 * stride] - m[at + 12 * stride];
            float b1 = m[at + 5 * stride] - m[at + 9 * stride] - m[at + 13 * stride];
            float b2 = m[at + 6 * stride] - m[at + 10 * stride] - m[at + 14 * stride];
            float b3 = m[at + 7 * stride] - m[at + 11 * stride] - m[at + 15 * stride];
            int o = yOff + tx;
            y[o] = clamp(t0 + t1 + t2 + bias, relu);
            y[o + w] = clamp(t1 - t2 - t3 + bias, relu);
            y[o + 2 * w] = clamp(b0 + b1 + b2 + bias, relu);
            y[o + 3 * w] = clamp(b1 - b2 - b3 + bias, relu);
        }
    }

    @Override
    public void inputF4(float[] src, int o0, int o1, int o2, int o3, int o4, int o5, int len, float[] dst, int d0,
                        int dStride) {
        for (int x = 0; x < len; x++) {
            float a0 = src[o0 + x];
            float a1 = src[o1 + x];
            float a2 = src[o2 + x];
            float a3 = src[o3 + x];
            float a4 = src[o4 + x];
            float a5 = src[o5 + x];
            float t1 = a4 - 4f * a2;
            float t2 = a3 - 4f * a1;
            float t3 = a4 - a2;
            float t4 = 2f * (a3 - a1);
            int at = d0 + x;
            dst[at] = 4f * a0 - 5f * a2 + a4;
            dst[at + dStride] = t1 + t2;
            dst[at + 2 * dStride] = t1 - t2;
            dst[at + 3 * dStride] = t3 + t4;
            dst[at + 4 * dStride] = t3 - t4;
            dst[at + 5 * dStride] = 4f * a1 - 5f * a3 + a5;
        }
    }

    @Override
    public void outputF4(float[] src, int o0, int o1, int o2, int o3, int o4, int o5, int len, float bias,
                         boolean relu, float[] dst, int d0, int dStride) {
        for (int x = 0; x < len; x++) {
            float m1 = src[o1 + x];
            float m2 = src[o2 + x];
            float m3 = src[o3 + x];
            float m4 = src[o4 + x];
            float s1 = m1 + m2;
            float e1 = m1 - m2;
            float s2 = m3 + m4;
            float e2 = m3 - m4;
            int at = d0 + x;
            dst[at] = clamp(src[o0 + x] + s1 + s2 + bias, relu);
            dst[at + dStride] = clamp(e1 + 2f * e2 + bias, relu);
            dst[at + 2 * dStride] = clamp(s1 + 4f * s2 + bias, relu);
            dst[at + 3 * dStride] = clamp(e1 + 8f * e2 + src[o5 + x] + bias, relu);
        }
    }

    /** {@code max(v, 0)} with {@code relu} (a fused ReLU, as {@link Math#max(float, float)}), else v. */
    private static float clamp(float v, boolean relu) {
        return relu ? Math.max(v, 0f) : v;
    }
}
