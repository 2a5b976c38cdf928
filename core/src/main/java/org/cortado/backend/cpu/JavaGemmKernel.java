package org.cortado.backend.cpu;

/**
 * The plain-Java {@link GemmKernel}, used when the Vector API is absent. The tile accumulates in a per-thread
 * array whose row loop has a constant trip count of {@link #NR}, which HotSpot's superword pass can vectorise.
 */
final class JavaGemmKernel implements GemmKernel {
    static final int MR = 8;
    static final int NR = 32;

    @Override
    public int mr() {
        return MR;
    }

    @Override
    public int nr() {
        return NR;
    }

    @Override
    public String name() {
        return "java";
    }

    @Override
    public void tile(int kc, float[] ap, int apOff, float[] b, int[] bRows, int bRowsOff, int bCol, float[] c,
                     int cOff, int ldc, int rows, int cols, float[] rowInit, int rowInitOff, float[] scratch,
                     boolean relu) {
        float[] acc = scratch;
        java.util.Arrays.fill(acc, 0f);
        for (int p = 0; p < kc; p++) {
            int ao = apOff + p * MR;
            int bo = bRows == null ? bCol + p * NR : bRows[bRowsOff + p] + bCol;
            for (int r = 0; r < MR; r++) {
                float av = ap[ao + r];
                int t = r * NR;
                for (int q = 0; q < NR; q++) {
                    acc[t + q] = Math.fma(av, b[bo + q], acc[t + q]);
                }
            }
        }
        // max(v, -inf) is v, bits included (-0 and NaN stay), so one loop serves both. This kernel's time is in
        // the k loop above, not here.
        float floor = relu ? 0f : Float.NEGATIVE_INFINITY;
        for (int r = 0; r < rows; r++) {
            int cRow = cOff + r * ldc;
            if (rowInit != null) {
                float init = rowInit[rowInitOff + r];
                for (int q = 0; q < cols; q++) {
                    c[cRow + q] = Math.max(init + acc[r * NR + q], floor);
                }
            } else {
                for (int q = 0; q < cols; q++) {
                    c[cRow + q] = Math.max(c[cRow + q] + acc[r * NR + q], floor);
                }
            }
        }
    }

    @Override
    public void dotRows(int m, int n, int k, float alpha, float[] a, int aOff, float[] b, int bOff, float[] c,
                        int cOff, int j0, int j1) {
        for (int j = j0; j < j1; j++) {
            int bRow = bOff + j * k;
            for (int i = 0; i < m; i++) {
                int aRow = aOff + i * k;
                // Four partial sums break the dependency chain of one accumulator.
                float s0 = 0f;
                float s1 = 0f;
                float s2 = 0f;
                float s3 = 0f;
                int p = 0;
                for (; p + 3 < k; p += 4) {
                    s0 = Math.fma(a[aRow + p], b[bRow + p], s0);
                    s1 = Math.fma(a[aRow + p + 1], b[bRow + p + 1], s1);
                    s2 = Math.fma(a[aRow + p + 2], b[bRow + p + 2], s2);
                    s3 = Math.fma(a[aRow + p + 3], b[bRow + p + 3], s3);
                }
                for (; p < k; p++) {
                    s0 = Math.fma(a[aRow + p], b[bRow + p], s0);
                }
                c[cOff + i * n + j] += alpha * ((s0 + s1) + (s2 + s3));
            }
        }
    }
}
